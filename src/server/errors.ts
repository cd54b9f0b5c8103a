import * as grpc from '@grpc/grpc-js';
import { encodeStatusDetails, REASON_TRAILER, STATUS_DETAILS_TRAILER } from '../rpc/error-details.js';
import {
  FencingTokenMismatchError,
  HostMismatchError,
  HostExpiredError,
  HostQuotaError,
  KeyedSlotsExhaustedError,
  HostStaticQuotaError,
  InvalidInputError,
  LeaseNotFoundError,
  LeaseTooLargeError,
  LevelTooWideError,
  NotAuthorizedError,
  PoolRecoveringError,
  StableKeyInUseError,
  StableKeyLevelMismatchError,
  LevelConflictError,
  LevelInUseError,
  LevelReservedError,
  PoolConfigMismatchError,
  PoolExhaustedError,
  PoolNotInitializedError,
  PoolStateInconsistentError,
  ReplicationError,
  RequestIdReusedError,
  ReservedInUseError,
  ShareMismatchError,
  StoreError,
  StoreUnavailableError,
  VolumeConflictError,
  WorkloadHasLeaseError,
} from '../store/errors.js';

/** An error meant for the client: a status code, a message and a machine-readable reason. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly reason: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** A request field broke a rule; the message names the field and the rule. */
export function invalidArgument(field: string, rule: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, `${field}: ${rule}`, 'INVALID_ARGUMENT', { field });
}

/** A well-formed value the server's policy does not allow (e.g. options.type spc_t). */
export function permissionDenied(field: string, rule: string, reason = 'NOT_ALLOWED'): RpcError {
  return new RpcError(grpc.status.PERMISSION_DENIED, `${field}: ${rule}`, reason, { field });
}

type StoreErrorClass = abstract new (...args: never[]) => StoreError;

// AIP-193: NOT_FOUND for a missing resource, FAILED_PRECONDITION when the
// request is fine but the resource's state refuses it, ALREADY_EXISTS when
// the level or request id asked for is someone else's, RESOURCE_EXHAUSTED
// when the pool is out of pairs, UNAVAILABLE for a retryable outage.
const STORE_CODES: [StoreErrorClass, grpc.status][] = [
  [PoolExhaustedError, grpc.status.RESOURCE_EXHAUSTED],
  [LeaseNotFoundError, grpc.status.NOT_FOUND],
  [HostMismatchError, grpc.status.FAILED_PRECONDITION],
  [FencingTokenMismatchError, grpc.status.FAILED_PRECONDITION],
  [RequestIdReusedError, grpc.status.ALREADY_EXISTS],
  [LevelInUseError, grpc.status.ALREADY_EXISTS],
  [LevelConflictError, grpc.status.FAILED_PRECONDITION],
  [LevelReservedError, grpc.status.FAILED_PRECONDITION],
  [VolumeConflictError, grpc.status.FAILED_PRECONDITION],
  [WorkloadHasLeaseError, grpc.status.FAILED_PRECONDITION],
  [ShareMismatchError, grpc.status.FAILED_PRECONDITION],
  [KeyedSlotsExhaustedError, grpc.status.RESOURCE_EXHAUSTED],
  [HostExpiredError, grpc.status.FAILED_PRECONDITION],
  [HostQuotaError, grpc.status.RESOURCE_EXHAUSTED],
  [HostStaticQuotaError, grpc.status.RESOURCE_EXHAUSTED],
  [LeaseTooLargeError, grpc.status.RESOURCE_EXHAUSTED],
  [LevelTooWideError, grpc.status.INVALID_ARGUMENT],
  [NotAuthorizedError, grpc.status.PERMISSION_DENIED],
  [PoolRecoveringError, grpc.status.UNAVAILABLE],
  [StableKeyInUseError, grpc.status.ALREADY_EXISTS],
  [StableKeyLevelMismatchError, grpc.status.FAILED_PRECONDITION],
  [StoreUnavailableError, grpc.status.UNAVAILABLE],
  [ReplicationError, grpc.status.UNAVAILABLE],
  [PoolNotInitializedError, grpc.status.UNAVAILABLE],
  [PoolConfigMismatchError, grpc.status.FAILED_PRECONDITION],
  [ReservedInUseError, grpc.status.FAILED_PRECONDITION],
  [PoolStateInconsistentError, grpc.status.INTERNAL],
  // What the store refuses itself (ids with separators); the request rules usually refuse it first.
  [InvalidInputError, grpc.status.INVALID_ARGUMENT],
];

/**
 * Which hosts' leases the caller may hear about: undefined = all (operators,
 * viewers, an open service); for a host identity, its own hosts.
 */
export type Visibility = ((host: string) => boolean) | undefined;

/**
 * The client's view of an error. A refusal that names another lease (its
 * holder) names it only to a caller that may see that lease's host; others
 * get the same status and reason, told without the holder.
 */
export function toRpcError(err: unknown, visible?: Visibility): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof StoreError) {
    const code = STORE_CODES.find(([cls]) => err instanceof cls)?.[1] ?? grpc.status.INTERNAL;
    const hide = visible !== undefined && err.holder !== undefined && err.redacted !== undefined && !visible(err.holder.host);
    const { message, metadata } = hide ? err.redacted : err;
    return new RpcError(code, message, err.reason, metadata);
  }
  return new RpcError(grpc.status.INTERNAL, 'internal error', 'INTERNAL');
}

/**
 * The error as grpc-js sends it: status, message, and trailers carrying a
 * google.rpc.Status with one google.rpc.ErrorInfo (the standard rich error
 * model) plus the reason as plain text.
 */
export function toServiceError(err: RpcError): Partial<grpc.StatusObject> {
  const details = encodeStatusDetails(err.code, err.message, err.reason, err.metadata);
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(details));
  metadata.set(REASON_TRAILER, err.reason);
  return { code: err.code, details: err.message, metadata };
}
