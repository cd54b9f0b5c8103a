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

/** Where layout 3 kept each field of a host's counters (hc:<host> since layout 4): a hash shared by all hosts. */
const LAYOUT_3_COUNTERS = { u: 'hostuse', m: 'members', s: 'hoststatics' } as const;

/**
 * Turns a pool of today's layout back into what layout 3 wrote, for the tests of moving one in place: each
 * host's counters go from its own hash into the shared hashes, and meta says version 3.
 */
export async function rewriteAsLayout3(raw: Redis, prefix: string, hosts: readonly string[]): Promise<void> {
  for (const host of hosts) {
    const counters = await raw.hgetall(`${prefix}hc:${host}`);
    for (const [field, value] of Object.entries(counters)) {
      const shared = LAYOUT_3_COUNTERS[field as keyof typeof LAYOUT_3_COUNTERS];
      if (!shared) throw new Error(`hc:${host} has a field ${field} that layout 3 did not keep`);
      await raw.hset(`${prefix}${shared}`, host, value);
    }
    await raw.del(`${prefix}hc:${host}`);
  }
  await raw.hset(`${prefix}meta`, 'version', '3');
}

/** The keys of layout 3's shared counter hashes in a pool. */
export function layout3CounterKeys(prefix: string): string[] {
  return Object.values(LAYOUT_3_COUNTERS).map((k) => `${prefix}${k}`);
}
