import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { LabelAllocatorHandlers } from '../generated/mcs/v1/LabelAllocator.js';
import type { Lease as LeaseMessage } from '../generated/mcs/v1/Lease.js';
import type { Timestamp } from '../generated/google/protobuf/Timestamp.js';
import type { Lease, LeaseStore, ListCursor } from '../store/lease-store.js';
import { RpcError, invalidArgument, toRpcError, toServiceError } from './errors.js';
import {
  leaseRef,
  optionalFencingToken,
  optionalRequestId,
  pageSize,
  requireHost,
  requireLeaseId,
  requireWorkloadId,
  ttlSeconds,
  LIMITS,
} from './validation.js';

export interface ServiceDeps {
  readonly store: LeaseStore;
  readonly log: Logger;
  /** Upper bound on one Redis call, whatever the client's deadline. */
  readonly redisTimeoutMs: number;
}

function timestamp(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function leaseMessage(l: Lease): LeaseMessage {
  return {
    lease_id: l.id,
    pool: l.pool,
    host: l.host,
    workload_id: l.workloadId,
    level: l.level,
    process_label: l.processLabel,
    mount_label: l.mountLabel,
    ro_mount_label: l.roMountLabel,
    fencing_token: l.fencingToken,
    created_at: timestamp(l.createdAt),
    expires_at: l.expiresAt > 0 ? timestamp(l.expiresAt) : null,
  };
}

/**
 * Page tokens are opaque to clients: base64url of the listing cursor (host
 * and rank of the last lease seen) and the host filter it belongs to.
 */
export function encodePageToken(cursor: ListCursor, filter: string): string {
  return Buffer.from(JSON.stringify({ v: 1, f: filter, h: cursor.host, r: cursor.rank })).toString('base64url');
}

export function decodePageToken(token: string, filter: string): ListCursor | undefined {
  if (token === '') return undefined;
  const foreign = () => invalidArgument('page_token', 'is not a token this service issued');
  if (token.length > LIMITS.pageToken) throw foreign();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw foreign();
  }
  const p = parsed as { v?: unknown; f?: unknown; h?: unknown; r?: unknown };
  if (p?.v !== 1 || typeof p.f !== 'string' || typeof p.h !== 'string' || !Number.isSafeInteger(p.r)) throw foreign();
  if (p.f !== filter) {
    throw invalidArgument('page_token', 'was issued for a different host filter (AIP-158: keep the other fields unchanged)');
  }
  return { host: p.h, rank: p.r as number };
}

const DEADLINE_MARGIN_MS = 20;

type UnaryCall<Req> = grpc.ServerUnaryCall<Req, unknown>;

/**
 * The LabelAllocator handlers. Each one validates the whole request, makes
 * one store call (one Redis round trip) bounded by the client's deadline,
 * and maps failures to a status with a google.rpc.ErrorInfo reason.
 */
export function allocatorService(deps: ServiceDeps): LabelAllocatorHandlers {
  const { store, log } = deps;

  /** How long the store may wait: the client's remaining deadline, capped. */
  function budget(call: UnaryCall<unknown>): number {
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    if (!Number.isFinite(at)) return deps.redisTimeoutMs;
    // Keep a little of the deadline for the answer to travel back, so the
    // client sees UNAVAILABLE rather than its own DEADLINE_EXCEEDED.
    const left = at - Date.now() - DEADLINE_MARGIN_MS;
    if (left <= 0) throw new RpcError(grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded before the call reached Redis', 'DEADLINE_EXCEEDED');
    return Math.min(left, deps.redisTimeoutMs);
  }

  function unary<Req, Res>(
    method: string,
    mutating: boolean,
    handle: (req: Req, timeoutMs: () => number) => Promise<{ response: Res; logFields?: Record<string, unknown> }>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
      handle(call.request, () => budget(call as UnaryCall<unknown>)).then(
        ({ response, logFields }) => {
          if (mutating) log.info({ method, outcome: 'ok', latencyMs: elapsedMs(), ...logFields }, method);
          callback(null, response);
        },
        (err: unknown) => {
          const rpc = toRpcError(err);
          const fields = { method, outcome: rpc.reason, code: grpc.status[rpc.code], latencyMs: elapsedMs(), message: rpc.message };
          if (rpc.code === grpc.status.INTERNAL) log.error({ ...fields, err }, method);
          else if (mutating || rpc.code === grpc.status.UNAVAILABLE) log.warn(fields, method);
          callback(toServiceError(rpc) as grpc.ServiceError, null);
        },
      );
    };
  }

  function leaseLog(l: Lease): Record<string, unknown> {
    return { leaseId: l.id, host: l.host, workloadId: l.workloadId, level: l.level };
  }

  return {
    Allocate: unary('Allocate', true, async (req, timeoutMs) => {
      const host = requireHost(req.host);
      const workloadId = requireWorkloadId(req.workload_id);
      const requestId = optionalRequestId(req.request_id);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: false });
      const { lease, created } = await store.allocate({ host, workloadId, requestId, ttlSeconds: ttl }, { timeoutMs: timeoutMs() });
      return { response: { lease: leaseMessage(lease), created }, logFields: { ...leaseLog(lease), created } };
    }),

    Release: unary('Release', true, async (req, timeoutMs) => {
      const fencingToken = optionalFencingToken(req.fencing_token);
      const ref = leaseRef(req);
      const host = 'leaseId' in ref && req.host !== '' ? requireHost(req.host) : undefined;
      const result = await store.release({ ...ref, ...(host ? { host } : {}), fencingToken }, { timeoutMs: timeoutMs() });
      const logFields = result.lease ? { ...leaseLog(result.lease), released: result.released } : { ...ref, released: false };
      return { response: { released: result.released }, logFields };
    }),

    Renew: unary('Renew', true, async (req, timeoutMs) => {
      const leaseId = requireLeaseId(req.lease_id);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: true });
      const lease = await store.renew(leaseId, ttl, { timeoutMs: timeoutMs() });
      return { response: { lease: leaseMessage(lease) }, logFields: { ...leaseLog(lease), expiresAt: lease.expiresAt } };
    }),

    GetLease: unary('GetLease', false, async (req, timeoutMs) => {
      const lease = await store.get(leaseRef(req), { timeoutMs: timeoutMs() });
      return { response: leaseMessage(lease) };
    }),

    ListLeases: unary('ListLeases', false, async (req, timeoutMs) => {
      const host = req.host === '' ? '' : requireHost(req.host);
      const limit = pageSize(req.page_size);
      const after = decodePageToken(req.page_token, host);
      const page = await store.list({ host, limit, ...(after ? { after } : {}) }, { timeoutMs: timeoutMs() });
      const next = page.next ? encodePageToken(page.next, host) : '';
      return { response: { leases: page.leases.map(leaseMessage), next_page_token: next } };
    }),

    GetPoolStats: unary('GetPoolStats', false, async (_req, timeoutMs) => {
      const s = await store.stats({ timeoutMs: timeoutMs() });
      return {
        response: {
          pool: s.pool,
          category_range: s.categoryRange,
          total: String(s.total),
          leased: String(s.leased),
          free: String(s.free),
          reserved: String(s.reserved),
        },
      };
    }),
  };
}
