import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where the store's digest indexes keep an entry (see lease.lua): 64 bits of
 * SHA-1, the first 3 hex digits name the hash, the next 13 the field. For
 * tests that check the raw Redis layout.
 */
export function indexSlot(raw: Redis, prefix: string, family: 'wl' | 'req', digest: string): Promise<string | null> {
  return raw.hget(`${prefix}${family}:${digest.slice(0, 3)}`, digest.slice(3, 16));
}

/** The workload index's digest of (host, workload). */
export function workloadDigest(host: string, workload: string): string {
  return createHash('sha1').update(`${host}\t${workload}`).digest('hex');
}
