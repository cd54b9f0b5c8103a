/**
 * Bounds on what one lease may hold, defined once here; the Lua sees them
 * as C.<NAME> (contract.ts CONSTANTS): a request that would pass one is
 * refused by the script before it writes anything. They keep every lease
 * record, lease event and reply small (about 33 KiB at most), so that no
 * client can grow Redis, the event stream or a reply without bound.
 */
export const LEASE_LIMITS = {
  /** Volume claims of one lease. */
  MAX_CLAIMS: 128,
  /** Bytes of a lease's claims as stored: scope, path and mode of each. */
  MAX_CLAIM_BYTES: 16 * 1024,
  /** Workloads sharing one lease (pod members, the creator included). */
  MAX_MEMBERS: 256,
  /** Bytes of a lease's member list as stored (ids joined by spaces). */
  MAX_MEMBER_BYTES: 16 * 1024,
  /** Bytes of lease data in one ListLeases page; a page ends early rather than pass it. */
  MAX_PAGE_BYTES: 1024 * 1024,
} as const;
