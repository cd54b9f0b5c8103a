import { scriptErrorName, type ScriptErrorName } from './contract.js';
import { replyText } from './replies.js';

/**
 * Typed errors of the lease store. Scripts answer with a numeric code
 * (contract.ts SCRIPT_ERRORS); `scriptError` turns it into one of these,
 * and the gRPC layer maps each class to a status code and reason.
 */
/**
 * Another lease that a refusal is about. Operators see it in the message;
 * a host identity sees it only when it is one of its own hosts' leases.
 */
export interface Holder {
  readonly leaseId: string;
  readonly host: string;
}

/** The same refusal, told without the holder's lease id, host, workload, level or paths. */
export interface Redacted {
  readonly message: string;
  readonly metadata: Record<string, string>;
}

export abstract class StoreError extends Error {
  /** Machine-readable reason, sent to clients as google.rpc.ErrorInfo.reason. */
  abstract readonly reason: string;
  readonly metadata: Record<string, string>;
  readonly holder: Holder | undefined;
  readonly redacted: Redacted | undefined;
  constructor(message: string, metadata: Record<string, string> = {}, about?: { holder: Holder; redacted: Redacted }) {
    super(message);
    this.name = new.target.name;
    this.metadata = metadata;
    this.holder = about?.holder;
    this.redacted = about?.redacted;
  }
}

export class PoolNotInitializedError extends StoreError {
  readonly reason = 'POOL_NOT_INITIALIZED';
}
export class PoolExhaustedError extends StoreError {
  readonly reason = 'POOL_EXHAUSTED';
}
export class LeaseNotFoundError extends StoreError {
  readonly reason = 'LEASE_NOT_FOUND';
}
export class HostMismatchError extends StoreError {
  readonly reason = 'HOST_MISMATCH';
}
export class FencingTokenMismatchError extends StoreError {
  readonly reason = 'FENCING_TOKEN_MISMATCH';
}
export class RequestIdReusedError extends StoreError {
  readonly reason = 'REQUEST_ID_REUSED';
}
export class PoolConfigMismatchError extends StoreError {
  readonly reason = 'POOL_CONFIG_MISMATCH';
}
export class ReservedInUseError extends StoreError {
  readonly reason = 'RESERVED_IN_USE';
}
export class LevelInUseError extends StoreError {
  readonly reason = 'LEVEL_IN_USE';
}
export class LevelConflictError extends StoreError {
  readonly reason = 'LEVEL_DOMINANCE_CONFLICT';
}
export class LevelReservedError extends StoreError {
  readonly reason = 'LEVEL_RESERVED';
}
export class VolumeConflictError extends StoreError {
  readonly reason = 'VOLUME_CONFLICT';
}
export class WorkloadHasLeaseError extends StoreError {
  readonly reason = 'WORKLOAD_HAS_LEASE';
}
export class ShareMismatchError extends StoreError {
  readonly reason = 'SHARE_LEVEL_MISMATCH';
}
export class HostExpiredError extends StoreError {
  readonly reason = 'HOST_EXPIRED';
}
export class HostQuotaError extends StoreError {
  readonly reason = 'HOST_QUOTA';
}
export class KeyedSlotsExhaustedError extends StoreError {
  readonly reason = 'STATIC_LEASES_EXHAUSTED';
}
export class LevelTooWideError extends StoreError {
  readonly reason = 'LEVEL_TOO_WIDE';
}
export class HostStaticQuotaError extends StoreError {
  readonly reason = 'HOST_STATIC_QUOTA';
}
export class LeaseTooLargeError extends StoreError {
  readonly reason = 'LEASE_TOO_LARGE';
}
/** The pool was created again after Redis lost it: new leases wait for hosts to report what they run. */
export class PoolRecoveringError extends StoreError {
  readonly reason = 'POOL_RECOVERING';
}
/** A live lease has the stable key already. */
export class StableKeyInUseError extends StoreError {
  readonly reason = 'STABLE_KEY_IN_USE';
}
/** The stable key holds another level than the request names. */
export class StableKeyLevelMismatchError extends StoreError {
  readonly reason = 'STABLE_KEY_LEVEL_MISMATCH';
}
/** The caller's policy does not let this host have the level leased (Reconcile). */
export class NotAuthorizedError extends StoreError {
  readonly reason = 'NOT_AUTHORIZED';
}
export class PoolStateInconsistentError extends StoreError {
  readonly reason = 'POOL_STATE_INCONSISTENT';
}
/** A change reached the primary but not enough replicas in time (--redis-min-replicas). */
export class ReplicationError extends StoreError {
  readonly reason = 'REPLICATION_TIMEOUT';
}
/** A value the store refuses whoever calls it (ids with tabs, spaces or control characters). */
export class InvalidInputError extends StoreError {
  readonly reason = 'INVALID_ARGUMENT';
}
/** Redis could not be reached, or did not answer in time. */
export class StoreUnavailableError extends StoreError {
  readonly reason = 'REDIS_UNAVAILABLE';
}

/** One typed error per script error code: the compiler checks that every name of contract.ts has one. */
/** A time in ms since the epoch as ISO 8601, or the text as it came when it is not a number. */
const isoTimeOr = (ms: string | undefined) => (Number.isFinite(Number(ms)) ? new Date(Number(ms)).toISOString() : ms);

const SCRIPT_ERROR_BUILDERS: { readonly [N in ScriptErrorName]: (v: readonly string[], pool: string) => StoreError } = {
  POOL_NOT_INITIALIZED: (v, pool) => new PoolNotInitializedError(`pool ${pool} does not exist in Redis`),
  POOL_EXHAUSTED: (v, pool) =>
    new PoolExhaustedError(`pool ${pool} is exhausted: all ${v[0]} pairs are leased or reserved`, {
      pool,
      total: v[0]!,
    }),
  LEASE_NOT_FOUND: () => new LeaseNotFoundError('no such lease'),
  HOST_MISMATCH: (v) =>
    new HostMismatchError(
      `the lease belongs to host ${v[0]}`,
      { lease_host: v[0]! },
      {
        holder: { leaseId: '', host: v[0]! },
        redacted: { message: 'the lease belongs to another host', metadata: {} },
      },
    ),
  FENCING_TOKEN_MISMATCH: (v) =>
    new FencingTokenMismatchError(`fencing_token does not match the lease's token ${v[0]}`, {
      lease_fencing_token: v[0]!,
    }),
  REQUEST_ID_REUSED: (v) =>
    new RequestIdReusedError(
      `request_id was already used for lease ${v[0]} of host ${v[1]} workload ${v[2]}`,
      { lease_id: v[0]!, host: v[1]!, workload_id: v[2]! },
      { holder: { leaseId: v[0]!, host: v[1]! }, redacted: { message: 'request_id was already used for another workload', metadata: {} } },
    ),
  CATEGORIES_MISMATCH: (v, pool) =>
    new PoolConfigMismatchError(
      `pool ${pool} already exists in Redis with level ${v[0]}:${v[1]}; ` + 'start with the same --categories, or use another --pool',
      { stored_sensitivity: v[0]!, stored_categories: v[1]! },
    ),
  RESERVED_IN_USE: (v) =>
    new ReservedInUseError(`cannot reserve ${v[0]}: it is leased by ${v[1]}`, {
      level: v[0]!,
      lease_id: v[1]!,
    }),
  POOL_STATE_INCONSISTENT: (v, pool) =>
    new PoolStateInconsistentError(`pool ${pool} has state in Redis (${v[0]}) but no metadata; refusing to guess which pairs are in use`, {
      key: v[0]!,
    }),
  LEVEL_IN_USE: (v) =>
    new LevelInUseError(
      v[4]
        ? `level ${v[0]} is held for stable key ${v[4]} (host ${v[2]}, hold ${v[1]}) until its workload comes back or the hold ends`
        : `level ${v[0]} is held by lease ${v[1]} (host ${v[2]}, workload ${v[3]}); join it with share_with to share it`,
      { level: v[0]!, lease_id: v[1]!, host: v[2]!, workload_id: v[3]!, ...(v[4] ? { stable_key: v[4] } : {}) },
      {
        holder: { leaseId: v[1]!, host: v[2]! },
        redacted: { message: `level ${v[0]} is held by a lease of another host`, metadata: { level: v[0]! } },
      },
    ),
  LEVEL_CONFLICT: (v) =>
    new LevelConflictError(
      `level ${v[0]} ${v[3]} level ${v[2]} of lease ${v[1]}: one could read the other's files`,
      { level: v[0]!, lease_id: v[1]!, lease_level: v[2]!, relation: v[3]! },
      {
        holder: { leaseId: v[1]!, host: v[4]! },
        redacted: {
          message: `level ${v[0]} is comparable with the level of a live lease of another host: one could read the other's files`,
          metadata: { level: v[0]! },
        },
      },
    ),
  LEVEL_RESERVED: (v) =>
    new LevelReservedError(v[0] === v[1] ? `level ${v[0]} is reserved` : `level ${v[0]} is comparable with the reserved pair ${v[1]}`, {
      level: v[0]!,
      reserved_level: v[1]!,
    }),
  VOLUME_CONFLICT: (v) => {
    const scope = v[5]!.startsWith('s:') ? `storage ${v[5]!.slice(2)}` : `host ${v[5]!.slice(2)}`;
    return new VolumeConflictError(
      `volume ${v[0]} (${v[1]}) on ${scope} conflicts with lease ${v[2]}, which holds ${v[3]} (${v[4]}): ` +
        'relabelling would cut that container off its files',
      { host_path: v[0]!, mode: v[1]!, lease_id: v[2]!, lease_path: v[3]!, lease_mode: v[4]! },
      {
        holder: { leaseId: v[2]!, host: v[6]! },
        redacted: {
          message:
            `volume ${v[0]} (${v[1]}) on ${scope} conflicts with a claim of a lease of another host: ` +
            'relabelling would cut that container off its files',
          metadata: { host_path: v[0]!, mode: v[1]! },
        },
      },
    );
  },
  WORKLOAD_HAS_LEASE: (v) =>
    new WorkloadHasLeaseError(`the workload already holds lease ${v[0]} (level ${v[1]}) from a different request; release it first`, {
      lease_id: v[0]!,
      level: v[1]!,
    }),
  SHARE_MISMATCH: (v) =>
    new ShareMismatchError(`share_with: the lease has level ${v[0]}, not the requested options.level`, {
      lease_level: v[0]!,
    }),
  KEYED_EXHAUSTED: () => new KeyedSlotsExhaustedError('too many static and disabled leases in this pool (524,288)'),
  HOST_EXPIRED: (v) =>
    new HostExpiredError(
      `host ${v[0]} missed its heartbeats and its leases were reclaimed at ${isoTimeOr(v[1])}; ` +
        'call Reconcile with the workloads it runs before anything else',
      { host: v[0]!, reclaimed_at_ms: v[1]! },
    ),
  HOST_QUOTA: (v) =>
    new HostQuotaError(`host ${v[0]} holds ${v[1]} pairs; ${v[2]} more would pass its quota of ${v[3]} (--host-quota)`, {
      host: v[0]!,
      used: v[1]!,
      cost: v[2]!,
      quota: v[3]!,
    }),
  LAYOUT_MISMATCH: (v, pool) =>
    new PoolConfigMismatchError(
      `pool ${pool} in Redis was written with key layout version ${v[0] || '(none)'}, and this server reads version ${v[1]}; ` +
        'remove the pool (its keys mcs:{' +
        pool +
        '}:*) or use another --pool',
      { stored_layout: v[0]!, layout: v[1]! },
    ),
  LEVEL_TOO_WIDE: (v) =>
    new LevelTooWideError(`level ${v[0]} covers ${v[1]} pairs of the pool; a static level may cover at most ${v[2]} (--max-static-pairs)`, {
      level: v[0]!,
      pairs: v[1]!,
      max_pairs: v[2]!,
    }),
  HOST_STATIC_QUOTA: (v) =>
    new HostStaticQuotaError(
      `host ${v[0]} holds ${v[1]} static levels of one or of three or more categories; at most ${v[2]} (--host-static-quota)`,
      { host: v[0]!, held: v[1]!, quota: v[2]! },
    ),
  LEASE_TOO_LARGE: (v) =>
    new LeaseTooLargeError(`the lease would hold ${v[1]} ${v[0]}; at most ${v[2]}`, { what: v[0]!, count: v[1]!, max: v[2]! }),
  POOL_RECOVERING: (v, pool) => {
    const at = (ms: string) => (Number.isFinite(Number(ms)) && ms !== '' ? new Date(Number(ms)).toISOString() : ms);
    return new PoolRecoveringError(
      `pool ${pool} was created again at ${at(v[1]!)} (Redis lost its data): new leases wait until ${at(v[0]!)} ` +
        'for the hosts to report what they run (Reconcile); retry then',
      { until_ms: v[0]!, created_ms: v[1]! },
    );
  },
  STABLE_KEY_IN_USE: (v) =>
    new StableKeyInUseError(
      `stable key ${v[0]} is held by lease ${v[1]} (host ${v[2]}, workload ${v[3]}); its pair comes back once that lease ends`,
      { stable_key: v[0]!, lease_id: v[1]!, host: v[2]!, workload_id: v[3]! },
      {
        holder: { leaseId: v[1]!, host: v[2]! },
        redacted: { message: `stable key ${v[0]} is held by a lease of another host`, metadata: { stable_key: v[0]! } },
      },
    ),
  STABLE_KEY_LEVEL_MISMATCH: (v) =>
    new StableKeyLevelMismatchError(
      `stable key ${v[0]} holds level ${v[1]} (host ${v[2]}), not the requested options.level; ask for that level, or drop the hold first`,
      { stable_key: v[0]!, held_level: v[1]!, host: v[2]! },
      {
        holder: { leaseId: '', host: v[2]! },
        redacted: { message: `stable key ${v[0]} holds another level than the requested options.level`, metadata: { stable_key: v[0]! } },
      },
    ),
  NOT_AUTHORIZED: (v) => new NotAuthorizedError(v[0]!),
};

/** Builds the typed error for a script's non-zero status code. */
export function scriptError(code: number, values: unknown[], pool: string): StoreError {
  const name = scriptErrorName(code);
  if (name === undefined) return new PoolStateInconsistentError(`script answered unknown status ${code}`);
  return SCRIPT_ERROR_BUILDERS[name](values.map(replyText), pool);
}
