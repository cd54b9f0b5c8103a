import type { Redis } from 'ioredis';

/**
 * Every key of a Redis and its serialized value (DUMP), sorted: two equal
 * snapshots mean nothing was written in between.
 */
export async function snapshot(redis: Redis): Promise<Map<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  keys.sort();
  const out = new Map<string, string>();
  for (const key of keys) {
    const dump = await redis.dumpBuffer(key);
    out.set(key, dump ? dump.toString('base64') : '');
  }
  return out;
}
