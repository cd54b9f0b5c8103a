import { invalidArgument } from './errors.js';
import { LEASE_ID_PATTERN } from '../store/lease-id.js';

/**
 * Request field rules. Each check throws an INVALID_ARGUMENT RpcError whose
 * message names the field and the rule; nothing reaches Redis before every
 * field of a request has passed.
 */

export const LIMITS = {
  host: 253,
  workloadId: 256,
  requestId: 128,
  pageToken: 512,
  /** Ten years: longer than any workload, short enough to stay exact in milliseconds. */
  ttlSeconds: 10 * 365 * 24 * 3600,
  pageSizeDefault: 100,
  pageSizeMax: 1000,
} as const;

// DNS names, short host names, and the odd underscore that real inventories have.
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// Printable ASCII without spaces: container ids, pod uids, VM names, paths.
const PRINTABLE = /^[\x21-\x7e]+$/;

export function requireHost(value: string, field = 'host'): string {
  if (value === '') throw invalidArgument(field, 'is required');
  if (value.length > LIMITS.host) throw invalidArgument(field, `must be at most ${LIMITS.host} characters`);
  if (!HOST.test(value)) {
    throw invalidArgument(field, 'must be letters, digits, ".", "-" or "_", starting and ending with a letter or digit');
  }
  return value;
}

export function requireWorkloadId(value: string, field = 'workload_id'): string {
  if (value === '') throw invalidArgument(field, 'is required');
  if (value.length > LIMITS.workloadId) throw invalidArgument(field, `must be at most ${LIMITS.workloadId} characters`);
  if (!PRINTABLE.test(value)) throw invalidArgument(field, 'must be printable ASCII without spaces');
  return value;
}

export function optionalRequestId(value: string): string {
  if (value.length > LIMITS.requestId) throw invalidArgument('request_id', `must be at most ${LIMITS.requestId} characters`);
  if (value !== '' && !PRINTABLE.test(value)) throw invalidArgument('request_id', 'must be printable ASCII without spaces');
  return value;
}

/** A stable key: '' or printable ASCII without spaces, at most 256 (as workload ids). */
export function optionalStableKey(value: string): string {
  if (value === '') return value;
  if (value.length > LIMITS.workloadId) throw invalidArgument('stable_key', `must be at most ${LIMITS.workloadId} characters`);
  if (!PRINTABLE.test(value)) throw invalidArgument('stable_key', 'must be printable ASCII without spaces');
  return value;
}

export function requireLeaseId(value: string, field = 'lease_id'): string {
  if (value === '') throw invalidArgument(field, 'is required');
  if (!LEASE_ID_PATTERN.test(value)) {
    throw invalidArgument(field, 'is not a lease id (16 characters a-z and 2-7, as returned by Allocate)');
  }
  return value;
}

export function ttlSeconds(value: number, field: string, { required }: { required: boolean }): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(field, 'must be a whole number of seconds');
  if (required && value === 0) throw invalidArgument(field, 'must be at least 1');
  if (value > LIMITS.ttlSeconds) throw invalidArgument(field, `must be at most ${LIMITS.ttlSeconds} (ten years)`);
  return value;
}

export function pageSize(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument('page_size', 'must not be negative');
  if (value === 0) return LIMITS.pageSizeDefault;
  return Math.min(value, LIMITS.pageSizeMax);
}

/** Fencing tokens travel as decimal strings ("0" = unchecked). */
export function optionalFencingToken(value: string): string {
  if (!/^\d{1,20}$/.test(value)) throw invalidArgument('fencing_token', 'must be an unsigned integer');
  return value === '0' ? '' : value.replace(/^0+/, '');
}

/**
 * A lease is named either by lease_id or by host + workload_id. Returns which.
 */
export function leaseRef(req: {
  lease_id: string;
  host: string;
  workload_id: string;
}): { leaseId: string } | { host: string; workloadId: string } {
  if (req.lease_id !== '') {
    if (req.workload_id !== '') throw invalidArgument('workload_id', 'must be empty when lease_id is given');
    return { leaseId: requireLeaseId(req.lease_id) };
  }
  if (req.host === '' && req.workload_id === '') {
    throw invalidArgument('lease_id', 'is required (or host and workload_id)');
  }
  return { host: requireHost(req.host), workloadId: requireWorkloadId(req.workload_id) };
}
