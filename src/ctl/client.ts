/**
 * The gRPC side of mcsctl: a LabelAllocator client with promise-returning,
 * typed methods, TLS or insecure credentials, a deadline per call, and the
 * classification of failures into mcsctl's exit codes.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadAllocatorProto } from '../proto.js';
import { REASON_TRAILER, errorInfoOf } from '../server/errors.js';
import type { LabelAllocatorClient } from '../generated/mcs/v1/LabelAllocator.js';
import type { AllocateRequest } from '../generated/mcs/v1/AllocateRequest.js';
import type { AllocateResponse__Output } from '../generated/mcs/v1/AllocateResponse.js';
import type { ReleaseRequest } from '../generated/mcs/v1/ReleaseRequest.js';
import type { ReleaseResponse__Output } from '../generated/mcs/v1/ReleaseResponse.js';
import type { RenewRequest } from '../generated/mcs/v1/RenewRequest.js';
import type { RenewResponse__Output } from '../generated/mcs/v1/RenewResponse.js';
import type { GetLeaseRequest } from '../generated/mcs/v1/GetLeaseRequest.js';
import type { Lease__Output } from '../generated/mcs/v1/Lease.js';
import type { ListLeasesRequest } from '../generated/mcs/v1/ListLeasesRequest.js';
import type { ListLeasesResponse__Output } from '../generated/mcs/v1/ListLeasesResponse.js';
import type { PoolStats__Output } from '../generated/mcs/v1/PoolStats.js';
import type { PlanVolumesRequest } from '../generated/mcs/v1/PlanVolumesRequest.js';
import type { VolumePlan__Output } from '../generated/mcs/v1/VolumePlan.js';
import type { HeartbeatRequest } from '../generated/mcs/v1/HeartbeatRequest.js';
import type { HeartbeatResponse__Output } from '../generated/mcs/v1/HeartbeatResponse.js';
import type { ReconcileRequest } from '../generated/mcs/v1/ReconcileRequest.js';
import type { ReconcileResponse__Output } from '../generated/mcs/v1/ReconcileResponse.js';
import type { WatchLeasesRequest } from '../generated/mcs/v1/WatchLeasesRequest.js';
import type { LeaseEvent__Output } from '../generated/mcs/v1/LeaseEvent.js';

/** Exit codes of mcsctl. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error (a refusal, or any status it sent). */
  refused: 1,
  /** Bad command line or input (nothing was sent). */
  usage: 2,
  /** No server answered: no connection, or the deadline passed before any answer. */
  unreachable: 3,
} as const;

/** A command-line or input problem: exit 2, nothing was sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failed call, classified. */
export class CallError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    /** The service's machine-readable reason (ErrorInfo.reason); undefined when the server sent none. */
    readonly reason: string | undefined,
    /** True when no server answered: the call never reached the service. */
    readonly unreachable: boolean,
    readonly server: string,
  ) {
    super(details);
    this.name = 'CallError';
  }

  get statusName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }

  get exitCode(): number {
    return this.unreachable ? EXIT.unreachable : EXIT.refused;
  }

  /** The stderr line: `FAILED_PRECONDITION (VOLUME_CONFLICT): volume /data ...`. */
  describe(): string {
    if (this.unreachable) return `cannot reach the service at ${this.server}: ${this.statusName}: ${this.details}`;
    return `${this.statusName}${this.reason ? ` (${this.reason})` : ''}: ${this.details}`;
  }
}

function reasonOf(err: grpc.ServiceError): string | undefined {
  const trailer = err.metadata?.get(REASON_TRAILER)[0];
  if (typeof trailer === 'string' && trailer !== '') return trailer;
  try {
    const info = errorInfoOf(err);
    if (info?.reason) return info.reason;
  } catch {
    // an undecodable status detail: treat as absent
  }
  return undefined;
}

/**
 * Sorts a client-side gRPC error into "the server refused" and "no server
 * answered". The service puts its reason on every error it sends, so an
 * UNAVAILABLE with a reason (REDIS_UNAVAILABLE) is the server talking, while
 * an UNAVAILABLE without one is grpc-js saying it has no connection; the same
 * goes for DEADLINE_EXCEEDED.
 */
export function classify(err: unknown, server: string): CallError {
  if (err instanceof CallError) return err;
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e?.code !== 'number') {
    return new CallError(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err), undefined, false, server);
  }
  const full = err as grpc.ServiceError;
  const reason = reasonOf(full);
  // grpc-js appends an empty "Resolution note:" to connection failures.
  const details = (full.details || full.message || grpc.status[full.code] || 'error').replace(/\s*Resolution note:\s*$/, '');
  const unreachable =
    reason === undefined && (full.code === grpc.status.UNAVAILABLE || full.code === grpc.status.DEADLINE_EXCEEDED);
  return new CallError(full.code, details, reason, unreachable, server);
}

export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** TLS when any of the files is given (grpc.credentials.createSsl), plaintext otherwise. */
export function channelCredentials(tls: TlsFiles): grpc.ChannelCredentials {
  const { ca, cert, key } = tls;
  if (!ca && !cert && !key) return grpc.credentials.createInsecure();
  if (Boolean(cert) !== Boolean(key)) {
    throw new UsageError('--tls-cert and --tls-key go together (a client certificate needs its key)');
  }
  return grpc.credentials.createSsl(
    ca ? readPem('--tls-ca', ca) : null,
    key ? readPem('--tls-key', key) : null,
    cert ? readPem('--tls-cert', cert) : null,
  );
}

export interface ClientOptions {
  /** host:port, [v6]:port or unix:/path. */
  readonly server: string;
  /** Deadline of each unary call. */
  readonly timeoutMs: number;
  readonly tls?: TlsFiles;
}

type Callback<Res> = (err: grpc.ServiceError | null, value?: Res) => void;
type RawUnary<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<Res>) => grpc.ClientUnaryCall;

/** The LabelAllocator service as mcsctl uses it. */
export class AllocatorClient {
  readonly server: string;
  private readonly raw: LabelAllocatorClient;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.server = options.server;
    this.timeoutMs = options.timeoutMs;
    const { grpcObject } = loadAllocatorProto();
    this.raw = new grpcObject.mcs.v1.LabelAllocator(options.server, channelCredentials(options.tls ?? {}), {
      // A CLI and its retrying hooks want a service that comes back to be
      // found quickly, not after grpc-js' default reconnect backoff (1 s, x1.6, up to 120 s).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
  }

  private unary<Req, Res>(method: keyof LabelAllocatorClient, req: Req, timeoutMs = this.timeoutMs): Promise<Res> {
    const fn = this.raw[method] as unknown as RawUnary<Req, Res>;
    return new Promise<Res>((resolve, reject) => {
      fn.call(this.raw, req, new grpc.Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (err, value) => {
        if (err) reject(classify(err, this.server));
        else resolve(value as Res);
      });
    });
  }

  allocate(req: AllocateRequest, timeoutMs?: number): Promise<AllocateResponse__Output> {
    return this.unary('Allocate', req, timeoutMs);
  }

  release(req: ReleaseRequest, timeoutMs?: number): Promise<ReleaseResponse__Output> {
    return this.unary('Release', req, timeoutMs);
  }

  renew(req: RenewRequest): Promise<RenewResponse__Output> {
    return this.unary('Renew', req);
  }

  getLease(req: GetLeaseRequest): Promise<Lease__Output> {
    return this.unary('GetLease', req);
  }

  listLeases(req: ListLeasesRequest): Promise<ListLeasesResponse__Output> {
    return this.unary('ListLeases', req);
  }

  poolStats(): Promise<PoolStats__Output> {
    return this.unary('GetPoolStats', {});
  }

  planVolumes(req: PlanVolumesRequest): Promise<VolumePlan__Output> {
    return this.unary('PlanVolumes', req);
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse__Output> {
    return this.unary('Heartbeat', req);
  }

  reconcile(req: ReconcileRequest, timeoutMs?: number): Promise<ReconcileResponse__Output> {
    return this.unary('Reconcile', req, timeoutMs);
  }

  /** The server-streaming WatchLeases call (no deadline: it runs until cancelled). */
  watch(req: WatchLeasesRequest): grpc.ClientReadableStream<LeaseEvent__Output> {
    return this.raw.WatchLeases(req);
  }

  close(): void {
    this.raw.close();
  }
}
