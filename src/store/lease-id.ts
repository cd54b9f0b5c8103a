import { randomBytes } from 'node:crypto';

/**
 * Lease ids: the pair's rank in four base32 digits (the allocation script
 * writes them) followed by a 12-digit random suffix (60 bits, drawn here per
 * call). The rank makes a lease findable without an index; the suffix makes
 * ids of a pair's successive leases differ, so a stale id never matches.
 */
export const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const RANK_DIGITS = 4;
export const SUFFIX_DIGITS = 12;
export const LEASE_ID_PATTERN = /^[a-z2-7]{16}$/;

export function newLeaseSuffix(): string {
  const bytes = randomBytes(SUFFIX_DIGITS);
  let out = '';
  // 12 bytes give 12 independent 5-bit digits (3 bits of each byte unused).
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export function rankDigits(rank: number): string {
  let out = '';
  for (let i = 0; i < RANK_DIGITS; i++) {
    out = BASE32[rank % 32] + out;
    rank = Math.floor(rank / 32);
  }
  return out;
}

/** The rank a lease id names, or undefined when it is not a lease id. */
export function rankOfLeaseId(id: string): number | undefined {
  if (!LEASE_ID_PATTERN.test(id)) return undefined;
  let rank = 0;
  for (let i = 0; i < RANK_DIGITS; i++) rank = rank * 32 + BASE32.indexOf(id[i]!);
  return rank;
}
