/**
 * Typed errors of the lease store. Scripts answer with a numeric code (see
 * scripts/includes/common.lua); `scriptError` turns it into one of these,
 * and the gRPC layer maps each class to a status code and reason.
 */
export abstract class StoreError extends Error {
  /** Machine-readable reason, sent to clients as google.rpc.ErrorInfo.reason. */
  abstract readonly reason: string;
  readonly metadata: Record<string, string>;
  constructor(message: string, metadata: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.metadata = metadata;
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
export class LeaseExpiredError extends StoreError {
  readonly reason = 'LEASE_EXPIRED';
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
export class LeaseIdCollisionError extends StoreError {
  readonly reason = 'LEASE_ID_COLLISION';
}
export class PoolStateInconsistentError extends StoreError {
  readonly reason = 'POOL_STATE_INCONSISTENT';
}
/** Redis could not be reached, or did not answer in time. */
export class StoreUnavailableError extends StoreError {
  readonly reason = 'REDIS_UNAVAILABLE';
}

/** Builds the typed error for a script's non-zero status code. */
export function scriptError(code: number, values: unknown[], pool: string): StoreError {
  const v = values.map((x) => String(x ?? ''));
  switch (code) {
    case 1:
      return new PoolNotInitializedError(`pool ${pool} does not exist in Redis`);
    case 2:
      return new PoolExhaustedError(`pool ${pool} is exhausted: all ${v[0]} pairs are leased or reserved`, {
        pool,
        total: v[0]!,
      });
    case 3:
      return new LeaseNotFoundError('no such lease');
    case 4:
      return new LeaseExpiredError('the lease has expired and its pair went back to the pool');
    case 5:
      return new HostMismatchError(`the lease belongs to host ${v[0]}`, { lease_host: v[0]! });
    case 6:
      return new FencingTokenMismatchError(`fencing_token does not match the lease's token ${v[0]}`, {
        lease_fencing_token: v[0]!,
      });
    case 7:
      return new RequestIdReusedError(
        `request_id was already used for lease ${v[0]} of host ${v[1]} workload ${v[2]}`,
        { lease_id: v[0]!, host: v[1]!, workload_id: v[2]! },
      );
    case 8:
      return new PoolConfigMismatchError(
        `pool ${pool} already exists in Redis with level ${v[0]}:${v[1]}; ` +
          'start with the same --categories, or use another --pool',
        { stored_sensitivity: v[0]!, stored_categories: v[1]! },
      );
    case 9:
      return new ReservedInUseError(`cannot reserve ${v[0]}: it is leased by ${v[1]}`, {
        level: v[0]!,
        lease_id: v[1]!,
      });
    case 10:
      return new LeaseIdCollisionError('generated lease id already exists');
    case 11:
      return new PoolStateInconsistentError(
        `pool ${pool} has state in Redis (${v[0]}) but no metadata; refusing to guess which pairs are in use`,
        { key: v[0]! },
      );
    default:
      return new PoolStateInconsistentError(`script answered unknown status ${code}`);
  }
}
