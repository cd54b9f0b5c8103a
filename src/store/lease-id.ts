import { randomBytes } from 'node:crypto';
import { SLOTS } from './contract.js';

/**
 * Lease ids: the lease's slot in four base32 digits (the allocation script
 * writes them) followed by a 12-digit random suffix (60 bits, drawn here per
 * call). A pair lease's slot is its rank; a lease without a pair of its own
 * (a static level of one or of three or more categories, a disabled label)
 * has a slot from KEYED_BASE up. The slot makes a lease findable without an
 * index; the suffix makes the ids of a slot's successive leases differ, so
 * a stale id never matches.
 */
export const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const SLOT_DIGITS = 4;
export const SUFFIX_DIGITS = 12;
export const LEASE_ID_PATTERN = /^[a-z2-7]{16}$/;
/** 16 * 32^3: above every rank of the largest pool (523,775); see contract.ts. */
export const KEYED_BASE = SLOTS.KEYED_BASE;
export const SLOT_LIMIT = 32 ** SLOT_DIGITS;

export function newLeaseSuffix(): string {
  return leaseSuffixFrom(randomBytes(SUFFIX_DIGITS));
}

/** `n` fresh suffixes from one read of the random source. */
export function newLeaseSuffixes(n: number): string[] {
  const bytes = randomBytes(n * SUFFIX_DIGITS);
  return Array.from({ length: n }, (_, i) => leaseSuffixFrom(bytes.subarray(i * SUFFIX_DIGITS, (i + 1) * SUFFIX_DIGITS)));
}

/** A suffix from SUFFIX_DIGITS random bytes: one independent 5-bit digit each (3 bits unused). */
export function leaseSuffixFrom(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < SUFFIX_DIGITS; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

export function slotDigits(slot: number): string {
  let out = '';
  for (let i = 0; i < SLOT_DIGITS; i++) {
    out = BASE32[slot % 32] + out;
    slot = Math.floor(slot / 32);
  }
  return out;
}

/** The slot a lease id names, or undefined when it is not a lease id. */
export function slotOfLeaseId(id: string): number | undefined {
  if (!LEASE_ID_PATTERN.test(id)) return undefined;
  let slot = 0;
  for (let i = 0; i < SLOT_DIGITS; i++) slot = slot * 32 + BASE32.indexOf(id[i]!);
  return slot;
}
