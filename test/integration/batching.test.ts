/**
 * The service's Redis connection batches calls (auto-pipelining,
 * src/redis/connection.ts; a lone FCALL goes out at once, store/scripts.ts):
 * every call of a batch is still its own command, answered on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { CONTAINER_PROFILE } from '../../src/domain/profile.js';
import { createRedis } from '../../src/redis/connection.js';
import { LeaseStore } from '../../src/store/lease-store.js';
import { PoolExhaustedError } from '../../src/store/errors.js';
import { TestRedis } from '../../testkit/redis-server.js';

let redis: TestRedis;
let client: Redis;
let admin: Redis;

beforeAll(async () => {
  redis = await TestRedis.start();
  client = createRedis({ kind: 'url', url: redis.url }) as Redis;
  await client.connect();
  admin = redis.client();
});
afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await redis.stop();
});

async function store(name: string, categories: string): Promise<LeaseStore> {
  const s = new LeaseStore(client, {
    name,
    sensitivity: 's0',
    categories: parseCategoryRange(categories),
    reserved: [],
    profile: CONTAINER_PROFILE,
  });
  await s.init();
  return s;
}

describe("the service's Redis connection", () => {
  it('batches calls made together, each answered on its own: grants, refusals and releases', async () => {
    expect(client.options.enableAutoPipelining).toBe(true);
    const s = await store('batch', 'c0.c4'); // 10 pairs
    const lone = await s.allocate({ host: 'h', workloadId: 'lone' });
    const results = await Promise.allSettled(Array.from({ length: 14 }, (_, i) => s.allocate({ host: 'h', workloadId: `w${i}` })));
    const granted = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.lease);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(granted).toHaveLength(9);
    expect(refused).toHaveLength(5);
    for (const err of refused) expect(err).toBeInstanceOf(PoolExhaustedError);
    const levels = new Set([lone.lease.level, ...granted.map((l) => l.level)]);
    expect(levels.size).toBe(10);
    expect(new Set(granted.map((l) => l.workloadId)).size).toBe(9);

    const released = await Promise.all([...granted, lone.lease].map((l) => s.release({ leaseId: l.id })));
    expect(released.every((r) => r.released)).toBe(true);
    const again = await Promise.all([s.release({ leaseId: lone.lease.id }), s.stats()]);
    expect(again[0].released).toBe(false);
    expect(again[1].free).toBe(10);
  });

  it('loads the library again for every call of a batch that found it missing', async () => {
    const s = await store('reload', 'c0.c9');
    await admin.call('FUNCTION', 'FLUSH');
    const leases = await Promise.all(Array.from({ length: 8 }, (_, i) => s.allocate({ host: 'h', workloadId: `w${i}` })));
    expect(new Set(leases.map((l) => l.lease.level)).size).toBe(8);
    expect(leases.every((l) => l.created)).toBe(true);
  });
});
