import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { LabelAllocatorHandlers } from '../generated/mcs/v1/LabelAllocator.js';
import type { Lease as LeaseMessage } from '../generated/mcs/v1/Lease.js';
import type { Timestamp } from '../generated/google/protobuf/Timestamp.js';
import type { VolumePlan } from '../generated/mcs/v1/VolumePlan.js';
import type { Volume__Output } from '../generated/mcs/v1/Volume.js';
import type { LabelOptions__Output } from '../generated/mcs/v1/LabelOptions.js';
import type { Cluster, Redis } from 'ioredis';
import type { Allocation, Lease, LeaseStore, ListCursor, ReportedWorkload, StableKey } from '../store/lease-store.js';
import { LeaseNotFoundError } from '../store/errors.js';
import { eventLease, isEventId, lastEventId, readEvents } from '../store/events.js';
import type { LeaseEvent as LeaseEventMessage } from '../generated/mcs/v1/LeaseEvent.js';
import type { WatchLeasesRequest__Output } from '../generated/mcs/v1/WatchLeasesRequest.js';
import type { ReconcileConflict } from '../generated/mcs/v1/ReconcileConflict.js';
import type { ReconcileRequest__Output } from '../generated/mcs/v1/ReconcileRequest.js';
import type { ReconcileResponse } from '../generated/mcs/v1/ReconcileResponse.js';
import { Gate } from './gate.js';
import { LabelSyntaxError } from '../domain/errors.js';
import { formatCategoryRange } from '../domain/categories.js';
import { categoriesWithin, parseLevel } from '../domain/level.js';
import { formatLevel } from '../domain/level.js';
import { NO_OPTIONS, OptionError, requestedLevel, resolveLabelOptions, staticLevel, type OptionsPolicy } from '../domain/options.js';
import type { Translator } from '../domain/setrans.js';
import { planVolumes, prepareVolumes, VolumeError, type VolumeMode, type VolumeRequest } from '../domain/volumes.js';
import type { Metrics } from './metrics.js';
import { denial, grantFor, identityOf, implicitHostGrant, levelAllowed, visibilityOf, type Grant, type Method, type Policy } from '../domain/authz.js';
import { RpcError, invalidArgument, permissionDenied, toRpcError, toServiceError } from './errors.js';
import { coveredPairs, reportedKind, type ReportedKind } from '../domain/statics.js';
import { stableKeyScope } from '../domain/stable-keys.js';
import type { Level } from '../domain/level.js';
import {
  leaseRef,
  optionalFencingToken,
  optionalRequestId,
  optionalStableKey,
  pageSize,
  requireHost,
  requireLeaseId,
  requireWorkloadId,
  ttlSeconds,
  LIMITS,
} from './validation.js';

export interface ServiceDeps {
  readonly store: LeaseStore;
  /** A new connection for one watcher's blocking reads; the caller closes it. */
  readonly openBlockingClient: () => Promise<Redis | Cluster>;
  readonly log: Logger;
  /** Upper bound on one Redis call, whatever the client's deadline. */
  readonly redisTimeoutMs: number;
  /** What label options may ask for. */
  readonly policy: OptionsPolicy;
  /** Configured home directories: never relabelled. */
  readonly homeDirs: readonly string[];
  readonly metrics?: Metrics;
  /**
   * Who may call what: undefined = open (no client certificates). With
   * client certificates, `policy` maps identities to grants; without a
   * policy a client acts for the host its certificate names.
   */
  readonly auth?: { readonly policy?: Policy };
  /** WatchLeases streams one client (identity, or address without TLS) may hold open. */
  readonly maxWatchesPerClient?: number;
  /** Reconcile calls that run at once; the others wait their turn. */
  readonly maxConcurrentReconciles?: number;
  /** Patterns of stable keys that are cluster-wide (--cluster-stable-keys). */
  readonly clusterStableKeys?: readonly string[];
}

function timestamp(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function leaseMessage(l: Lease, translator?: Translator): LeaseMessage {
  return {
    level_name: translator?.toName(l.level) ?? '',
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
    members: [...l.members],
    claims: l.claims.map((c) => ({
      host_path: c.path,
      mode: c.mode,
      storage_id: c.scope.startsWith('s:') ? c.scope.slice(2) : '',
    })),
    kind: ({ random: 'RANDOM', static: 'STATIC', disabled: 'DISABLED' } as const)[l.kind],
    stable_key: l.stableKey,
    held_until: l.heldUntil > 0 ? timestamp(l.heldUntil) : null,
  };
}

/** Workloads per Reconcile: thousands per host, bounded so that one call cannot run away and its answer (every lease of the host) fits a 4 MB message. */
const MAX_RECONCILE_WORKLOADS = 2_000;

/** Volumes per request: enough for any real container, small enough to bound the claim checks. */
const MAX_VOLUMES = 128;

function requireVolumes(volumes: readonly Volume__Output[], host: string, homeDirs: readonly string[]) {
  if (volumes.length > MAX_VOLUMES) throw invalidArgument('volumes', `at most ${MAX_VOLUMES} volumes per request`);
  const requests: VolumeRequest[] = volumes.map((v) => ({
    hostPath: v.host_path,
    mode: v.mode as VolumeMode,
    readOnly: v.read_only,
    storageId: v.storage_id,
    currentLabel: v.current_label,
  }));
  try {
    return prepareVolumes(requests, host, homeDirs);
  } catch (err) {
    if (!(err instanceof VolumeError)) throw err;
    const field = `volumes[${err.index}].${err.field}`;
    if (err.protectedPath !== undefined) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, err.message, 'RELABEL_NOT_ALLOWED', { field, host_path: err.protectedPath });
    }
    throw invalidArgument(field, err.rule);
  }
}

/** The plan for a lease's volumes: targets come from the lease's own labels. */
function volumePlan(lease: Lease, volumes: readonly VolumeRequest[], sensitivity: string): VolumePlan {
  const strip = (label: string) => label.slice(0, label.length - lease.level.length - 1);
  const actions = planVolumes(volumes, {
    mountLabel: lease.mountLabel,
    roMountLabel: lease.roMountLabel,
    sharedLabel: `${strip(lease.mountLabel)}:${sensitivity}`,
    roSharedLabel: `${strip(lease.roMountLabel)}:${sensitivity}`,
  });
  return {
    actions: actions.map((a) => ({
      host_path: a.hostPath,
      action: a.action,
      target_label: a.targetLabel,
      command: [...a.command],
      mount_option: a.mountOption,
      reason: a.reason,
    })),
  };
}

function optionsInput(o: LabelOptions__Output | null): typeof NO_OPTIONS {
  if (!o) return NO_OPTIONS;
  return { user: o.user, role: o.role, type: o.type, level: o.level, filetype: o.filetype, disable: o.disable, profile: o.profile };
}

function optionError(err: unknown): unknown {
  if (!(err instanceof OptionError)) return err;
  return err.denied ? permissionDenied(err.field, err.rule) : invalidArgument(err.field, err.rule);
}

/**
 * Page tokens are opaque to clients: base64url of the listing cursor (host
 * and slot of the last lease seen), the host filter it belongs to, and
 * whether it lists held pairs.
 */
export function encodePageToken(cursor: ListCursor, filter: string, held = false): string {
  return Buffer.from(JSON.stringify({ v: 1, f: filter, h: cursor.host, s: cursor.slot, ...(held ? { held: 1 } : {}) })).toString('base64url');
}

export function decodePageToken(token: string, filter: string, held = false): ListCursor | undefined {
  if (token === '') return undefined;
  const foreign = () => invalidArgument('page_token', 'is not a token this service issued');
  if (token.length > LIMITS.pageToken) throw foreign();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw foreign();
  }
  const p = parsed as { v?: unknown; f?: unknown; h?: unknown; s?: unknown; held?: unknown };
  if (p?.v !== 1 || typeof p.f !== 'string' || typeof p.h !== 'string' || !Number.isSafeInteger(p.s)) throw foreign();
  if ((p.held === 1) !== held) throw invalidArgument('page_token', `was issued for a listing of ${held ? 'leases, not held pairs' : 'held pairs, not leases'}`);
  if (p.f !== filter) {
    throw invalidArgument('page_token', 'was issued for a different host filter (AIP-158: keep the other fields unchanged)');
  }
  // A listing of one host continues within that host: a token naming
  // another one was not issued for this listing.
  if (filter !== '' && p.h !== filter) throw foreign();
  return { host: p.h, slot: p.s as number };
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
  const message = (l: Lease) => leaseMessage(l, deps.policy.translator);

  /** Each call's grant, once authorize has looked it up: it decides what the call's errors may name. */
  const grants = new WeakMap<object, Grant>();

  const reconciles = new Gate(deps.maxConcurrentReconciles ?? 2);

  /** What is left of the client's deadline (a day when it set none), less the margin for the answer. */
  function deadlineLeft(call: UnaryCall<unknown>): number {
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    if (!Number.isFinite(at)) return 24 * 3600 * 1000;
    return Math.max(0, at - Date.now() - DEADLINE_MARGIN_MS);
  }

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
    handle: (
      req: Req,
      timeoutMs: () => number,
      call: grpc.ServerUnaryCall<Req, Res>,
    ) => Promise<{ response: Res; logFields?: Record<string, unknown> }>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
      handle(call.request, () => budget(call as UnaryCall<unknown>), call).then(
        ({ response, logFields }) => {
          if (mutating) log.info({ method, outcome: 'ok', latencyMs: elapsedMs(), ...logFields }, method);
          callback(null, response);
          count(method, 'OK', logFields);
        },
        (err: unknown) => {
          const rpc = toRpcError(err, visibilityOf(grants.get(call)));
          const fields = { method, outcome: rpc.reason, code: grpc.status[rpc.code], latencyMs: elapsedMs(), message: rpc.message };
          if (rpc.code === grpc.status.INTERNAL) log.error({ ...fields, err }, method);
          else if (mutating || rpc.code === grpc.status.UNAVAILABLE) log.warn(fields, method);
          callback(toServiceError(rpc) as grpc.ServiceError, null);
          count(method, grpc.status[rpc.code], undefined, rpc.reason);
        },
      );
      function count(method: string, code: string, logFields?: Record<string, unknown>, reason?: string) {
        const m = deps.metrics;
        if (!m) return;
        m.rpcDuration.observe({ method, code }, elapsedMs() / 1000);
        const pool = store.settings.name;
        if (reason !== undefined) m.refusals.inc({ method, reason });
        if (method === 'Allocate') m.allocations.inc({ pool, outcome: reason ?? (logFields?.created ? 'created' : 'existing') });
        if (method === 'Release') m.releases.inc({ pool, outcome: reason ?? (logFields?.released ? 'released' : 'not_found') });
      }
    };
  }

  /**
   * One watcher: its own connection blocks on the pool's event stream and
   * forwards events (of one host, when asked) until the client goes away.
   * Resuming after an event id replays what the stream still retains.
   */
  const watchers = new Map<string, number>();

  async function watch(call: grpc.ServerWritableStream<WatchLeasesRequest__Output, LeaseEventMessage>): Promise<void> {
    const host = call.request.host === '' ? '' : requireHost(call.request.host);
    const after = call.request.after_event_id;
    await authorize(call, 'WatchLeases', host === '' ? [] : [host]);
    // Each watcher holds a Redis connection: bound them per client.
    const who = identityOf(call.getAuthContext().sslPeerCertificate)?.name ?? call.getPeer().replace(/:\d+$/, '');
    const open = watchers.get(who) ?? 0;
    const limit = deps.maxWatchesPerClient ?? 8;
    if (open >= limit) {
      throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, `${who} already has ${open} WatchLeases streams open (at most ${limit})`, 'TOO_MANY_STREAMS');
    }
    watchers.set(who, open + 1);
    deps.metrics?.watchStreams.inc();
    const done = () => {
      deps.metrics?.watchStreams.dec();
      const n = (watchers.get(who) ?? 1) - 1;
      if (n <= 0) watchers.delete(who);
      else watchers.set(who, n);
    };
    try {
      await follow(call, host, after);
    } finally {
      done();
    }
  }

  async function follow(
    call: grpc.ServerWritableStream<WatchLeasesRequest__Output, LeaseEventMessage>,
    host: string,
    after: string,
  ): Promise<void> {
    if (after !== '' && !isEventId(after)) {
      throw invalidArgument('after_event_id', 'is not an event id (as LeaseEvent.event_id gives them, e.g. 1795945327853-0)');
    }
    const key = store.keys.events;
    const client = await deps.openBlockingClient();
    const stop = () => client.disconnect();
    call.on('cancelled', stop);
    call.on('close', stop);
    log.info({ method: 'WatchLeases', host, after }, 'watch started');
    // Context prefixes by interned id: a pool has a handful of them.
    const labels = new Map<string, string>();
    const labelsOf = async (id: string) => {
      let text = labels.get(id);
      if (text === undefined) {
        text = (await client.hget(store.keys.labels, `n:${id}`)) ?? '\t\t';
        labels.set(id, text);
      }
      return text;
    };
    try {
      let cursor = after !== '' ? after : await lastEventId(client, key);
      // Headers now tell the client its watch is live: events from here on reach it.
      call.sendMetadata(new grpc.Metadata());
      while (!call.cancelled && !call.destroyed) {
        let events;
        try {
          events = await readEvents(client, key, cursor, { blockMs: 1000, count: 200 });
        } catch (err) {
          if (call.cancelled || call.destroyed) return;
          throw new RpcError(grpc.status.UNAVAILABLE, `Redis is unavailable: ${(err as Error).message}`, 'REDIS_UNAVAILABLE');
        }
        for (const e of events) {
          cursor = e.id;
          if (host !== '' && e.host !== host) continue;
          const lease = await eventLease(store.settings.name, e.fields, labelsOf);
          const ok = call.write({
            event_id: e.id,
            type: e.type,
            lease: message(lease),
            at: timestamp(e.at),
            workload_id: e.workloadId,
          });
          // Respect flow control: a slow watcher must not pile events up in memory.
          if (!ok) await new Promise((resolve) => call.once('drain', resolve));
        }
      }
    } finally {
      call.off('cancelled', stop);
      call.off('close', stop);
      stop();
    }
  }

  /**
   * Checks that the caller may call `method` for `hosts` (which may need a
   * lease read first: pass a function). Returns the caller's grant, or
   * undefined when the service runs open. Refusals are logged with the
   * identity, method, host and reason.
   */
  async function authorize(
    call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } },
    method: Method,
    hosts: readonly string[] | (() => Promise<readonly string[]>),
  ): Promise<Grant | undefined> {
    if (!deps.auth) return undefined;
    const identity = identityOf(call.getAuthContext().sslPeerCertificate);
    if (!identity) {
      log.warn({ method, reason: 'UNAUTHENTICATED' }, 'refused: no client certificate');
      throw new RpcError(grpc.status.UNAUTHENTICATED, 'a client certificate is required', 'UNAUTHENTICATED');
    }
    const grant = deps.auth.policy ? grantFor(deps.auth.policy, identity) : implicitHostGrant(identity);
    let why: string | undefined;
    let named: readonly string[] = [];
    // Hosts read from a lease (not named by the caller) are not told back:
    // a host learns nothing of another host's leases from a refusal.
    const lookedUp = typeof hosts === 'function';
    if (!grant) {
      why = 'it is not in the authorization policy';
    } else {
      grants.set(call, grant);
      named = grant.role === 'host' && typeof hosts === 'function' ? await hosts() : typeof hosts === 'function' ? [] : hosts;
      why = denial(grant, method, named, { lookedUp });
    }
    if (why !== undefined) {
      log.warn({ identity: identity.name, method, host: named.join(','), reason: why }, 'refused: not authorized');
      throw new RpcError(grpc.status.PERMISSION_DENIED, `${identity.name} may not do this: ${why}`, 'NOT_AUTHORIZED', {
        identity: identity.name,
        method,
        ...(named.length && !lookedUp ? { host: named.join(',') } : {}),
      });
    }
    return grant;
  }

  /** The host of a lease, for authorizing calls that name it by id (none when it does not exist). */
  async function hostOfLease(leaseId: string, timeoutMs: number): Promise<readonly string[]> {
    try {
      return [(await store.get({ leaseId }, { timeoutMs })).host];
    } catch (err) {
      if (err instanceof LeaseNotFoundError) return [];
      throw err;
    }
  }

  /**
   * Why a host identity may not have a reported level leased anew, in the
   * words Allocate would use, or undefined. A pair is what random
   * allocation could have handed out, so only disabled labels and wide
   * static levels meet the policy.
   */
  function reconcileRefusal(grant: Grant | undefined, kind: ReportedKind, level: Level, levelText: string, field: string): string | undefined {
    if (!grant) return undefined;
    if (kind === 'disabled' && !grant.allowDisable) return `${field}: this identity may not ask for a disabled label`;
    if (kind === 'static' && !levelAllowed(grant, level)) return `${field}: ${levelText} is not among the levels this identity may ask for`;
    return undefined;
  }

  /**
   * The stable key of an Allocate, with its scope (per host unless the
   * server's patterns and, for an identity under a policy, its own make it
   * cluster-wide) and retention.
   */
  function stableKeyOf(key: string, retention: number, what: Allocation, grant: Grant | undefined): StableKey | undefined {
    const retentionSeconds = ttlSeconds(retention, 'stable_retention_seconds', { required: false });
    if (optionalStableKey(key) === '') {
      if (retentionSeconds !== 0) throw invalidArgument('stable_retention_seconds', 'needs a stable_key');
      return undefined;
    }
    if (what.kind === 'join') throw invalidArgument('stable_key', "cannot be combined with share_with (the pod's lease carries its key)");
    if (what.kind === 'disabled') throw invalidArgument('stable_key', 'a disabled label takes no pair to hold');
    const identity = grant?.role === 'host' && deps.auth?.policy ? grant.clusterStableKeys : grant?.role === 'host' ? [] : undefined;
    const scope = stableKeyScope(key, deps.clusterStableKeys ?? [], identity);
    if (scope === 'not-granted') throw policyDenied('stable_key', `${key} is cluster-wide and not among this identity's cluster_stable_keys`);
    return { key, scope, retentionSeconds };
  }

  /** --max-static-pairs, checked before anything reaches Redis (the script checks it again). */
  function requireNarrowEnough(level: Level, levelText: string): void {
    const max = store.settings.maxStaticPairs ?? 0;
    const covered = coveredPairs(level, deps.policy.categories);
    if (max > 0 && covered > max) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `options.level: ${levelText} covers ${covered} pairs of the pool; a static level may cover at most ${max} (--max-static-pairs)`,
        'LEVEL_TOO_WIDE',
        { field: 'options.level', pairs: String(covered), max_pairs: String(max) },
      );
    }
  }

  async function reconcile(
    req: ReconcileRequest__Output,
    host: string,
    grant: Grant | undefined,
    timeoutMs: () => number,
  ): Promise<{ response: ReconcileResponse; logFields: Record<string, unknown> }> {
    const seen = new Set<string>();
    const reported: ReportedWorkload[] = [];
    const outside: ReconcileConflict[] = [];
    const pool = { sensitivity: deps.policy.sensitivity, categories: deps.policy.categories };
    for (const [i, w] of req.workloads.entries()) {
      // Thousands of levels to parse: let other calls in now and then.
      if (i > 0 && i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      const workloadId = requireWorkloadId(w.workload_id, `workloads[${i}].workload_id`);
      if (seen.has(workloadId)) throw invalidArgument(`workloads[${i}].workload_id`, `${workloadId} is reported twice`);
      seen.add(workloadId);
      let level;
      try {
        level = requestedLevel(w.level, deps.policy.translator);
      } catch (err) {
        if (err instanceof LabelSyntaxError) throw invalidArgument(`workloads[${i}].level`, err.message);
        throw err;
      }
      const levelText = formatLevel(level);
      const kind = reportedKind(level, pool);
      if (kind === 'outside') {
        outside.push({
          workload_id: workloadId,
          level: levelText,
          reason: 'OUTSIDE_POOL',
          message: `level ${levelText} is not inside pool ${store.settings.name} (s${deps.policy.sensitivity}, ${formatCategoryRange(deps.policy.categories)})`,
          holder_lease_id: '',
          holder_host: '',
          holder_workload_id: '',
        });
        continue;
      }
      // What Allocate would refuse this identity is not restored either
      // (a lease it already holds is still kept).
      const refusal = reconcileRefusal(grant, kind, level, levelText, `workloads[${i}].level`);
      reported.push({ workloadId, level: levelText, kind, coveredPairs: coveredPairs(level, pool.categories), ...(refusal ? { refusal } : {}) });
    }
    // A reconciliation may run many batches: give it the client's whole budget.
    const result = await store.reconcile(host, reported, { timeoutMs: timeoutMs() });
    const conflicts = [
      ...outside,
      ...result.conflicts.map((c) => {
        const visible = visibilityOf(grant);
        const rpc = toRpcError(c.error, visible);
        // Holders on hosts the caller may not see stay unnamed.
        const shown = c.holderHost === '' || visible === undefined || visible(c.holderHost);
        return {
          workload_id: c.workloadId,
          level: c.level,
          reason: rpc.reason,
          message: rpc.message,
          holder_lease_id: shown ? c.holderLeaseId : '',
          holder_host: shown ? c.holderHost : '',
          holder_workload_id: shown ? c.holderWorkloadId : '',
        };
      }),
    ];
    return {
      response: {
        kept: result.kept.map(message),
        restored: result.restored.map(message),
        conflicts,
        released: result.released.map(message),
      },
      logFields: {
        host,
        reported: req.workloads.length,
        kept: result.kept.length,
        restored: result.restored.length,
        conflicts: conflicts.length,
        released: result.released.length,
      },
    };
  }

  function policyDenied(field: string, rule: string): RpcError {
    return new RpcError(grpc.status.PERMISSION_DENIED, `${field}: ${rule}`, 'NOT_AUTHORIZED', { field });
  }

  function leaseLog(l: Lease): Record<string, unknown> {
    return { leaseId: l.id, host: l.host, workloadId: l.workloadId, level: l.level };
  }

  return {
    Allocate: unary('Allocate', true, async (req, timeoutMs, call) => {
      const host = requireHost(req.host);
      const workloadId = requireWorkloadId(req.workload_id);
      const requestId = optionalRequestId(req.request_id);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: false });
      const options = optionsInput(req.options);
      const grant = await authorize(call, 'Allocate', [host]);
      // A host identity's own type allowlist replaces the server's.
      const policy = grant?.allowedTypes ? { ...deps.policy, allowedTypes: grant.allowedTypes } : deps.policy;
      let what: Allocation;
      let prefixes = store.defaultPrefixes;
      try {
        if (req.share_with !== '') {
          const leaseId = requireLeaseId(req.share_with, 'share_with');
          const extra = (['user', 'role', 'type', 'filetype', 'profile'] as const).find((f) => options[f] !== '');
          if (extra || options.disable) {
            throw invalidArgument(`options.${extra ?? 'disable'}`, 'cannot be combined with share_with (the pod shares the lease\'s label)');
          }
          const level = options.level === '' ? '' : formatLevel(staticLevel(options.level, deps.policy));
          what = { kind: 'join', leaseId, ...(level ? { level } : {}) };
        } else {
          const resolved = resolveLabelOptions(options, policy);
          if (grant && resolved.kind === 'disabled' && !grant.allowDisable) {
            throw policyDenied('options.disable', 'this identity may not ask for a disabled label');
          }
          if (grant && resolved.kind === 'static' && !levelAllowed(grant, resolved.level)) {
            throw policyDenied('options.level', `${resolved.levelText} is not among the levels this identity may ask for`);
          }
          if (resolved.kind === 'static') requireNarrowEnough(resolved.level, resolved.levelText);
          prefixes = resolved.prefixes;
          what = resolved.kind === 'random' ? { kind: 'random' } : { kind: resolved.kind, level: resolved.levelText };
        }
      } catch (err) {
        throw optionError(err);
      }
      const stable = stableKeyOf(req.stable_key, req.stable_retention_seconds, what, grant);
      const { volumes, claims } = requireVolumes(req.volumes, host, deps.homeDirs);
      const { lease, created } = await store.allocate(
        { host, workloadId, requestId, ttlSeconds: ttl, what, prefixes, claims, ...(stable ? { stable } : {}) },
        { timeoutMs: timeoutMs() },
      );
      return {
        response: {
          lease: message(lease),
          created,
          volume_plan: volumes.length > 0 ? volumePlan(lease, volumes, store.settings.sensitivity) : { actions: [] },
        },
        logFields: { ...leaseLog(lease), created, kind: lease.kind, members: lease.members.length, volumes: volumes.length },
      };
    }),

    Release: unary('Release', true, async (req, timeoutMs, call) => {
      const fencingToken = optionalFencingToken(req.fencing_token);
      let ref: { leaseId?: string; host?: string; workloadId?: string };
      if (req.lease_id !== '') {
        ref = {
          leaseId: requireLeaseId(req.lease_id),
          ...(req.host !== '' ? { host: requireHost(req.host) } : {}),
          ...(req.workload_id !== '' ? { workloadId: requireWorkloadId(req.workload_id) } : {}),
        };
      } else {
        if (req.host === '' && req.workload_id === '') throw invalidArgument('lease_id', 'is required (or host and workload_id)');
        ref = { host: requireHost(req.host), workloadId: requireWorkloadId(req.workload_id) };
      }
      // A host identity releasing by id: read the lease's host once, authorize
      // it, and pin it, so the script refuses the release if it changed.
      let looked: readonly string[] | undefined;
      const lookup = async () => (looked = await hostOfLease(ref.leaseId!, timeoutMs()));
      const grant = await authorize(call, 'Release', ref.host !== undefined ? [ref.host] : lookup);
      if (grant?.role === 'host' && ref.host === undefined) {
        const [leaseHost] = looked ?? (await lookup());
        if (leaseHost === undefined) return { response: { released: false, remaining_members: 0 }, logFields: { ...ref, released: false } };
        ref = { ...ref, host: leaseHost };
      }
      const result = await store.release({ ...ref, fencingToken }, { timeoutMs: timeoutMs() });
      const logFields = result.lease
        ? { ...leaseLog(result.lease), released: result.released, remaining: result.remaining, member: ref.workloadId }
        : { ...ref, released: false };
      return { response: { released: result.released, remaining_members: result.remaining }, logFields };
    }),

    PlanVolumes: unary('PlanVolumes', true, async (req, timeoutMs, call) => {
      const leaseId = requireLeaseId(req.lease_id);
      if (req.volumes.length === 0) throw invalidArgument('volumes', 'is required (at least one volume)');
      // Host-scoped claims take the lease's host inside the script ("h:").
      const { volumes, claims } = requireVolumes(req.volumes, '', deps.homeDirs);
      await authorize(call, 'PlanVolumes', () => hostOfLease(leaseId, timeoutMs()));
      const lease = await store.planVolumes(leaseId, claims, { timeoutMs: timeoutMs() });
      return {
        response: volumePlan(lease, volumes, store.settings.sensitivity),
        logFields: { ...leaseLog(lease), volumes: volumes.length },
      };
    }),

    Renew: unary('Renew', true, async (req, timeoutMs, call) => {
      const leaseId = requireLeaseId(req.lease_id);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: true });
      await authorize(call, 'Renew', () => hostOfLease(leaseId, timeoutMs()));
      const lease = await store.renew(leaseId, ttl, { timeoutMs: timeoutMs() });
      return { response: { lease: message(lease) }, logFields: { ...leaseLog(lease), expiresAt: lease.expiresAt } };
    }),

    GetLease: unary('GetLease', false, async (req, timeoutMs, call) => {
      const ref = leaseRef(req);
      // A lease id with a host: the host must be the lease's, as for Release.
      const host = 'leaseId' in ref && req.host !== '' ? requireHost(req.host) : undefined;
      await authorize(call, 'GetLease', 'leaseId' in ref ? () => hostOfLease(ref.leaseId, timeoutMs()) : [ref.host]);
      const lease = await store.get(ref, { timeoutMs: timeoutMs() });
      if (host !== undefined && lease.host !== host) {
        throw new RpcError(grpc.status.FAILED_PRECONDITION, `the lease belongs to host ${lease.host}`, 'HOST_MISMATCH', { lease_host: lease.host });
      }
      return { response: message(lease) };
    }),

    ListLeases: unary('ListLeases', false, async (req, timeoutMs, call) => {
      const host = req.host === '' ? '' : requireHost(req.host);
      await authorize(call, 'ListLeases', host === '' ? [] : [host]);
      const limit = pageSize(req.page_size);
      const after = decodePageToken(req.page_token, host, req.held);
      if (req.held) {
        const page = await store.listHolds({ host, limit, ...(after ? { after: after.slot } : {}) }, { timeoutMs: timeoutMs() });
        const next = page.next !== undefined ? encodePageToken({ host, slot: page.next }, host, true) : '';
        return { response: { leases: page.holds.map(message), next_page_token: next } };
      }
      const page = await store.list({ host, limit, ...(after ? { after } : {}) }, { timeoutMs: timeoutMs() });
      const next = page.next ? encodePageToken(page.next, host) : '';
      return { response: { leases: page.leases.map(message), next_page_token: next } };
    }),

    Heartbeat: unary('Heartbeat', false, async (req, timeoutMs, call) => {
      const host = requireHost(req.host);
      await authorize(call, 'Heartbeat', [host]);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: false });
      if (!/^\d{0,20}$/.test(req.pool_epoch)) throw invalidArgument('pool_epoch', 'must be a pool_epoch this service answered (digits), or empty');
      const beat = await store.heartbeat(host, ttl, { timeoutMs: timeoutMs(), knownEpoch: req.pool_epoch });
      return {
        response: { expires_at: beat.expiresAt > 0 ? timestamp(beat.expiresAt) : null, leases: String(beat.leases), pool_epoch: beat.poolEpoch },
      };
    }),

    Reconcile: unary('Reconcile', true, async (req, timeoutMs, call) => {
      const host = requireHost(req.host);
      const grant = await authorize(call, 'Reconcile', [host]);
      if (req.workloads.length > MAX_RECONCILE_WORKLOADS) {
        throw invalidArgument('workloads', `at most ${MAX_RECONCILE_WORKLOADS} workloads per call`);
      }
      // Reconciles are the dearest calls a host can make: a few at a time,
      // so that they never take the whole event loop from everyone else.
      return reconciles.run(
        () => reconcile(req, host, grant, timeoutMs),
        deadlineLeft(call),
        () => new RpcError(grpc.status.UNAVAILABLE, `${deps.maxConcurrentReconciles ?? 2} Reconcile calls are running; retry later`, 'RECONCILE_BUSY'),
      );
    }),

    WatchLeases: (call: grpc.ServerWritableStream<WatchLeasesRequest__Output, LeaseEventMessage>) => {
      watch(call).catch((err: unknown) => {
        const rpc = toRpcError(err);
        if (rpc.code === grpc.status.INTERNAL) log.error({ method: 'WatchLeases', err }, 'WatchLeases');
        if (!call.cancelled && !call.writableEnded) {
          call.emit('error', toServiceError(rpc));
          deps.metrics?.refusals.inc({ method: 'WatchLeases', reason: rpc.reason });
        }
      });
    },

    GetPoolStats: unary('GetPoolStats', false, async (_req, timeoutMs, call) => {
      await authorize(call, 'GetPoolStats', []);
      const s = await store.stats({ timeoutMs: timeoutMs() });
      return {
        response: {
          pool: s.pool,
          category_range: s.categoryRange,
          total: String(s.total),
          leased: String(s.leased),
          free: String(s.free),
          reserved: String(s.reserved),
          blocked: String(s.blocked),
          held: String(s.held),
          sensitivity: s.sensitivity,
        },
      };
    }),
  };
}
