import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { parseLevel, formatLevel } from '../../src/domain/level.js';
import { CONTAINER_PROFILE } from '../../src/domain/profile.js';
import { PairSpace } from '../../src/domain/pairs.js';
import { LeaseStore, type PoolSettings } from '../../src/store/lease-store.js';
import {
  PoolConfigMismatchError,
  PoolExhaustedError,
  ReservedInUseError,
  LeaseExpiredError,
  LeaseNotFoundError,
} from '../../src/store/errors.js';
import { TestRedis } from '../support/redis-server.js';
import { hostKey } from '../../src/store/keys.js';
import { slotDigits, slotOfLeaseId } from '../../src/store/lease-id.js';
import { chiSquareUniform } from '../support/stats.js';

let redis: TestRedis;
const clients: Redis[] = [];
let poolSeq = 0;

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis.stop();
});

/** A store for a fresh pool in the shared test Redis. */
async function freshStore(categories = 'c0.c9', reserved: string[] = [], name = `p${++poolSeq}`): Promise<LeaseStore> {
  const client = new Redis(redis.port, '127.0.0.1');
  clients.push(client);
  const settings: PoolSettings = {
    name,
    sensitivity: 's0',
    categories: parseCategoryRange(categories),
    reserved: reserved.map(parseLevel),
    profile: CONTAINER_PROFILE,
  };
  const store = new LeaseStore(client, settings);
  await store.init();
  return store;
}

/**
 * Reads the permutation arrays straight from Redis and checks the pool's
 * invariant: slots and pos are inverse permutations of 0..total-1, and the
 * ranks outside the free region are exactly the leased plus reserved pairs.
 */
async function checkInvariant(store: LeaseStore): Promise<void> {
  const raw = store.redis as Redis;
  const k = store.keys;
  const total = store.space.size;
  const free = Number(await raw.hget(k.meta, 'free'));
  const read = async (key: string) => {
    const buf = (await raw.getBuffer(key)) ?? Buffer.alloc(0);
    return (i: number) => (i * 3 + 3 <= buf.length ? buf.readUIntBE(i * 3, 3) : 0);
  };
  const slots = await read(k.slots);
  const pos = await read(k.pos);
  const slotAt = (p: number) => (slots(p) === 0 ? p : slots(p) - 1);
  const posOf = (r: number) => (pos(r) === 0 ? r : pos(r) - 1);
  const taken = new Set<number>();
  const misplaced: number[] = [];
  for (let p = 0; p < total; p++) {
    const r = slotAt(p);
    if (posOf(r) !== p) misplaced.push(p);
    if (p >= free) taken.add(r);
  }
  expect(misplaced).toEqual([]);
  const leased = Object.keys(await raw.hgetall(k.leases)).map(Number);
  const reserved = Object.values(await raw.hgetall(k.reserved)).map(Number);
  expect(taken).toEqual(new Set([...leased, ...reserved]));
  // Every lease is in its host's hash and nowhere else.
  let indexed = 0;
  for (const host of await raw.zrange(k.hosts, 0, -1)) {
    const ranks = Object.values(await raw.hgetall(hostKey(k, host))).map(Number);
    expect(ranks.length).toBeGreaterThan(0);
    for (const r of ranks) expect(leased).toContain(r);
    indexed += ranks.length;
  }
  expect(indexed).toBe(leased.length);
}

describe('pool creation', () => {
  it('creates the default pool with the reserved pair taken out', async () => {
    const store = await freshStore('c0.c1023', ['s0:c1022,c1023']);
    expect(await store.stats()).toEqual({
      pool: store.settings.name,
      sensitivity: 's0',
      categoryRange: 'c0.c1023',
      total: 523_776,
      leased: 0,
      free: 523_775,
      reserved: 1,
      blocked: 0,
    });
    const leases = [];
    for (let i = 0; i < 200; i++) leases.push((await store.allocate({ host: 'h', workloadId: `w${i}` })).lease);
    // Levels come from the Lua unrank: they must agree with the TypeScript rank of the same pair.
    for (const lease of leases) {
      const rank = slotOfLeaseId(lease.id)!;
      expect(formatLevel(store.space.levelOf(rank))).toBe(lease.level);
      expect(lease.id.slice(0, 4)).toBe(slotDigits(rank));
      expect(lease.level).not.toBe('s0:c1022,c1023');
    }
    await checkInvariant(store);
  });

  it('refuses to reopen a pool with other categories, and changes nothing', async () => {
    const store = await freshStore('c0.c9');
    await store.allocate({ host: 'h', workloadId: 'w' });
    const other = new LeaseStore(store.redis, { ...store.settings, categories: parseCategoryRange('c0.c19') });
    await expect(other.init()).rejects.toBeInstanceOf(PoolConfigMismatchError);
    await expect(other.init()).rejects.toThrow(/c0\.c9/);
    expect((await store.stats()).leased).toBe(1);
    expect((await store.stats()).total).toBe(45);
  });

  it('moves reserved pairs when the setting changes, but never takes a leased pair', async () => {
    const store = await freshStore('c0.c9', ['s0:c0,c1']);
    expect((await store.stats()).reserved).toBe(1);
    const moved = new LeaseStore(store.redis, { ...store.settings, reserved: [parseLevel('s0:c2,c3'), parseLevel('s0:c4,c5')] });
    expect(await moved.init()).toEqual({ created: false, unreserved: 1, reserved: 2 });
    expect(await moved.stats()).toMatchObject({ reserved: 2, free: 43, leased: 0 });
    await checkInvariant(moved);

    // Lease everything, then ask to reserve a leased pair: refused, nothing written.
    const levels: string[] = [];
    for (let i = 0; i < 43; i++) levels.push((await moved.allocate({ host: 'h', workloadId: `w${i}` })).lease.level);
    expect(levels).toContain('s0:c0,c1');
    const greedy = new LeaseStore(store.redis, { ...store.settings, reserved: [parseLevel('s0:c0,c1')] });
    await expect(greedy.init()).rejects.toBeInstanceOf(ReservedInUseError);
    expect(await moved.stats()).toMatchObject({ reserved: 2, free: 0, leased: 43 });
    await checkInvariant(moved);
  });
});

describe('allocation', () => {
  it('hands out every pair of a small pool exactly once, then answers exhausted at once', async () => {
    const store = await freshStore('c0.c9');
    const levels = new Set<string>();
    for (let i = 0; i < 45; i++) levels.add((await store.allocate({ host: 'h', workloadId: `w${i}` })).lease.level);
    expect(levels.size).toBe(45);
    const space = new PairSpace(parseCategoryRange('c0.c9'));
    const all = new Set(Array.from({ length: 45 }, (_, r) => formatLevel(space.levelOf(r))));
    expect(levels).toEqual(all);
    await expect(store.allocate({ host: 'h', workloadId: 'one-too-many' })).rejects.toBeInstanceOf(PoolExhaustedError);
    await checkInvariant(store);

    // Releasing three makes exactly those three available again.
    const back: string[] = [];
    for (const w of ['w3', 'w17', 'w40']) back.push((await store.release({ host: 'h', workloadId: w })).lease!.level);
    const again: string[] = [];
    for (let i = 0; i < 3; i++) again.push((await store.allocate({ host: 'h', workloadId: `again${i}` })).lease.level);
    expect(new Set(again)).toEqual(new Set(back));
    await expect(store.allocate({ host: 'h', workloadId: 'still-full' })).rejects.toBeInstanceOf(PoolExhaustedError);
  });

  it('keeps the permutation invariant through a random mix of operations', async () => {
    const store = await freshStore('c0.c15', ['s0:c0,c15']);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const live = new Set<string>();
    for (let step = 0; step < 600; step++) {
      const w = `w${rnd(150)}`;
      if (rnd(3) === 0) {
        const { released } = await store.release({ host: 'h', workloadId: w });
        expect(released).toBe(live.has(w));
        live.delete(w);
      } else {
        const { created } = await store.allocate({ host: 'h', workloadId: w });
        expect(created).toBe(!live.has(w));
        live.add(w);
      }
    }
    expect((await store.stats()).leased).toBe(live.size);
    await checkInvariant(store);
  });

  // Uniformity: draw from a pool many times and compare the counts of each
  // free pair with a uniform distribution. A biased allocator (SPOP-like,
  // first-free, modulo bias) gives p-values below 1e-20 here; a fair one fails
  // the 1e-6 threshold once in a million runs.
  it('draws uniformly among the free pairs at low occupancy', async () => {
    const store = await freshStore('c0.c9');
    const counts = new Map<string, number>();
    for (let i = 0; i < 45 * 120; i++) {
      const { lease } = await store.allocate({ host: 'h', workloadId: 'probe' });
      counts.set(lease.level, (counts.get(lease.level) ?? 0) + 1);
      await store.release({ leaseId: lease.id });
    }
    expect(counts.size).toBe(45);
    const { pValue } = chiSquareUniform([...counts.values()]);
    expect(pValue).toBeGreaterThan(1e-6);
  });

  it('draws uniformly among the free pairs at high occupancy', async () => {
    const store = await freshStore('c0.c9');
    for (let i = 0; i < 40; i++) await store.allocate({ host: 'h', workloadId: `fill${i}` });
    const free = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 5 * 600; i++) {
      const { lease } = await store.allocate({ host: 'h', workloadId: 'probe' });
      counts.set(lease.level, (counts.get(lease.level) ?? 0) + 1);
      free.add(lease.level);
      await store.release({ leaseId: lease.id });
    }
    expect(free.size).toBe(5);
    const { pValue } = chiSquareUniform([...counts.values()]);
    expect(pValue).toBeGreaterThan(1e-6);
  });
});

describe('expiry', () => {
  it('treats an expired lease as gone before the reaper runs, and reaps it exactly once', async () => {
    const store = await freshStore('c0.c9');
    const { lease } = await store.allocate({ host: 'h', workloadId: 'short', ttlSeconds: 1 });
    const { lease: keep } = await store.allocate({ host: 'h', workloadId: 'long', ttlSeconds: 60 });
    expect(lease.expiresAt - lease.createdAt).toBe(1000);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(store.get({ leaseId: lease.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
    expect((await store.list({ limit: 10 })).leases.map((l) => l.id)).toEqual([keep.id]);
    expect((await store.list({ limit: 10 })).next).toBeUndefined();
    const [a, b] = await Promise.all([store.reap(100), store.reap(100)]);
    expect([...a!, ...b!].map((l) => l.id)).toEqual([lease.id]);
    expect(await store.stats()).toMatchObject({ leased: 1, free: 44 });
    await checkInvariant(store);
  });

  it('renew moves the expiry; renewing an expired lease reclaims it', async () => {
    const store = await freshStore('c0.c9');
    const { lease } = await store.allocate({ host: 'h', workloadId: 'w', ttlSeconds: 1 });
    const renewed = await store.renew(lease.id, 30);
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(lease.createdAt + 30_000);
    const { lease: short } = await store.allocate({ host: 'h', workloadId: 'x', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await store.reap(100)).map((l) => l.id)).toEqual([short.id]);
    const { lease: again } = await store.allocate({ host: 'h', workloadId: 'y', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(store.renew(again.id, 30)).rejects.toBeInstanceOf(LeaseExpiredError);
    expect(await store.stats()).toMatchObject({ leased: 1 });
    await checkInvariant(store);
  });
});
