import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { parseLevel, formatLevel } from '../../src/domain/level.js';
import { CONTAINER_PROFILE } from '../../src/domain/profile.js';
import { PairSpace } from '../../src/domain/pairs.js';
import { LeaseStore, type Allocation, type PoolSettings } from '../../src/store/lease-store.js';
import {
  PoolConfigMismatchError,
  PoolExhaustedError,
  ReservedInUseError,
  LeaseNotFoundError,
  StoreError,
  InvalidInputError,
} from '../../src/store/errors.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { indexSlot, workloadDigest } from '../support/store-layout.js';
import { KEYED_BASE, slotDigits, slotOfLeaseId } from '../../src/store/lease-id.js';
import { library } from '../../src/store/scripts.js';
import { chiSquareUniform } from '../../testkit/stats.js';

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
  // Pairs held by a static level of 1 or 3+ categories are taken out too (blocked).
  const blocked = Object.keys(await raw.hgetall(k.blocked)).map(Number);
  expect(taken).toEqual(new Set([...leased.filter((s) => s < KEYED_BASE), ...reserved, ...blocked]));
  await checkIndexes(raw, store, leased);
}

/**
 * Every lease is in its host's slot sets and nowhere else, each member is
 * in the workload index and counted for its host, a request id's digest
 * names its lease, and each expiry bucket is scored by its earliest expiry.
 */
async function checkIndexes(raw: Redis, store: LeaseStore, leased: number[]): Promise<void> {
  const k = store.keys;
  const records = new Map<number, string[]>();
  for (const [slot, rec] of Object.entries(await raw.hgetall(k.leases))) records.set(Number(slot), rec.split('\t'));
  let indexed = 0;
  for (const host of await raw.zrange(k.hosts, 0, -1)) {
    const scored = await raw.zrange(`${k.prefix}host:${host}`, 0, -1, 'WITHSCORES');
    const slots: number[] = [];
    for (let i = 0; i < scored.length; i += 2) {
      // Each slot is scored by itself: the index pages in slot order.
      expect(scored[i + 1]).toBe(scored[i]);
      slots.push(Number(scored[i]));
    }
    expect(slots.length).toBeGreaterThan(0);
    let members = 0;
    for (const slot of slots) {
      expect(leased).toContain(slot);
      expect(records.get(slot)![1]).toBe(host);
      members += records.get(slot)![2]!.split(' ').length;
    }
    // The host's counters (hosts.lua): m counts its members.
    expect(Number(await raw.hget(`${k.prefix}hc:${host}`, 'm'))).toBe(members);
    indexed += slots.length;
  }
  expect(indexed).toBe(leased.length);
  const buckets = new Map<number, number>();
  for (const [slot, [, host, workloads, , , expires, , request]] of records) {
    for (const w of workloads!.split(' ')) expect(await indexSlot(raw, k.prefix, 'wl', workloadDigest(host!, w))).toBe(String(slot));
    if (request) expect(await indexSlot(raw, k.prefix, 'req', request)).toBe(String(slot));
    if (Number(expires) > 0) {
      const b = Math.floor(slot / 128);
      expect(await raw.zscore(`${k.prefix}exp:${b}`, String(slot))).toBe(expires);
      buckets.set(b, Math.min(buckets.get(b) ?? Infinity, Number(expires)));
    }
  }
  const scored = await raw.zrange(k.expiry, 0, -1, 'WITHSCORES');
  const index2 = new Map<number, number>();
  for (let i = 0; i < scored.length; i += 2) index2.set(Number(scored[i]), Number(scored[i + 1]));
  expect(index2).toEqual(buckets);
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
      held: 0,
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

describe('ids at the store boundary', () => {
  // Records separate fields with tabs and pod members with spaces: the
  // store refuses such ids itself, whoever calls it, before Redis sees them.
  it.each([
    ['allocate, host', (s: LeaseStore) => s.allocate({ host: 'a\tb', workloadId: 'w' })],
    ['allocate, workload', (s: LeaseStore) => s.allocate({ host: 'h', workloadId: 'w w' })],
    ['allocate, request id', (s: LeaseStore) => s.allocate({ host: 'h', workloadId: 'w', requestId: 'r\n' })],
    ['get by host and workload', (s: LeaseStore) => s.get({ host: 'h', workloadId: 'a b' })],
    ['release by host and workload', (s: LeaseStore) => s.release({ host: 'h\t', workloadId: 'w' })],
    ['heartbeat', (s: LeaseStore) => s.heartbeat('h h', 0)],
    ['reconcile', (s: LeaseStore) => s.reconcile('h', [{ workloadId: 'w\tx', level: 's0:c1,c2', kind: 'pair', coveredPairs: 0 }])],
    ['list, host filter', (s: LeaseStore) => s.list({ host: 'h h', limit: 10 })],
    ['list, cursor', (s: LeaseStore) => s.list({ limit: 10, after: { host: 'h\th', slot: 1 } })],
    ['listHolds, host filter', (s: LeaseStore) => s.listHolds({ host: 'h\n', limit: 10 })],
  ])('%s', async (_, call) => {
    const store = await freshStore();
    await expect(call(store)).rejects.toBeInstanceOf(InvalidInputError);
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
    expect([...a, ...b].map((l) => l.id)).toEqual([lease.id]);
    expect(await store.stats()).toMatchObject({ leased: 1, free: 44 });
    await checkInvariant(store);
  });

  it('renew moves the expiry; an expired lease is not found, reaped or not (renewing reclaims it)', async () => {
    const store = await freshStore('c0.c9');
    const { lease } = await store.allocate({ host: 'h', workloadId: 'w', ttlSeconds: 1 });
    const renewed = await store.renew(lease.id, 30);
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(lease.createdAt + 30_000);
    const { lease: short } = await store.allocate({ host: 'h', workloadId: 'x', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await store.reap(100)).map((l) => l.id)).toEqual([short.id]);
    await expect(store.renew(short.id, 30)).rejects.toBeInstanceOf(LeaseNotFoundError);
    const { lease: again } = await store.allocate({ host: 'h', workloadId: 'y', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(store.renew(again.id, 30)).rejects.toBeInstanceOf(LeaseNotFoundError);
    expect(await store.reap(100)).toEqual([]);
    expect(await store.stats()).toMatchObject({ leased: 1 });
    await checkInvariant(store);
  });
});

describe('the function library', () => {
  it('is loaded again when Redis lost it (a restart without persistence), and the call still runs once', async () => {
    const store = await freshStore('c0.c9');
    const raw = store.redis as Redis;
    const { lease: first } = await store.allocate({ host: 'h', workloadId: 'before' });
    await raw.call('FUNCTION', 'FLUSH');
    expect(await raw.call('FUNCTION', 'LIST')).toEqual([]);
    const [a, b] = await Promise.all([store.allocate({ host: 'h', workloadId: 'after' }), store.get({ leaseId: first.id })]);
    expect(a.created).toBe(true);
    expect(b.id).toBe(first.id);
    expect(await store.stats()).toMatchObject({ leased: 2 });
    // One library, named after its content.
    const libs = (await raw.call('FUNCTION', 'LIST')) as unknown[][];
    expect(libs).toHaveLength(1);
    expect(String(libs[0]![1])).toBe(library().name);
    expect(library().name).toMatch(/^mcs_[0-9a-f]{12}$/);
    await checkInvariant(store);
  });
});

describe('indexes under a random mix of operations', () => {
  /** A small seeded generator (mulberry32): a failing run can be repeated. */
  function prng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('keeps every index exact, and leaves no key behind once every lease has ended', async () => {
    const seed = 20261129;
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const store = await freshStore('c0.c9', [], `mix${seed}`);
    const raw = store.redis as Redis;
    const hosts = ['h1', 'h2', 'node-3.example.com'];
    const workloads = Array.from({ length: 24 }, (_, i) => `w${i}`);
    const held = new Map<string, string>(); // host\tworkload -> lease id
    const outcomes = new Map<string, number>();
    const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
    for (let step = 0; step < 600; step++) {
      const host = pick(hosts);
      const workload = pick(workloads);
      const key = `${host}\t${workload}`;
      const op = rnd();
      try {
        if (op < 0.45) {
          const what: Allocation = pick<Allocation>([
            { kind: 'random' },
            { kind: 'random' },
            // Twice: a static level is often refused (held, or comparable
            // with a random pair), and the mix must see some granted.
            { kind: 'static', level: pick(['s0:c3', 's0:c1,c2,c3', 's0:c4,c5']) },
            { kind: 'static', level: pick(['s0:c3', 's0:c1,c2,c3', 's0:c4,c5']) },
            { kind: 'disabled', level: 's0' },
          ]);
          const mine = [...held].find(([k]) => k.startsWith(`${host}\t`) && k !== key);
          const join: Allocation | undefined = mine && rnd() < 0.2 ? { kind: 'join', leaseId: mine[1] } : undefined;
          const { lease } = await store.allocate({
            host,
            workloadId: workload,
            what: join ?? what,
            ...(rnd() < 0.5 ? { requestId: `req-${step}` } : {}),
            ...(rnd() < 0.5 ? { ttlSeconds: pick([1, 60]) } : {}),
          });
          held.set(key, lease.id);
          count(join ? 'joined' : `allocated ${what.kind}`);
        } else if (op < 0.7) {
          const r = await store.release({ host, workloadId: workload });
          count(r.released ? 'released member' : 'release of nothing');
          held.delete(key);
        } else if (op < 0.8 && held.has(key)) {
          const r = await store.release({ leaseId: held.get(key)! });
          count(r.released ? 'released lease' : 'release of nothing');
          for (const [k, id] of held) if (id === held.get(key)) held.delete(k);
        } else if (op < 0.9 && held.has(key)) {
          await store.renew(held.get(key)!, pick([1, 60]));
          count('renewed');
        } else {
          await store.reap(5);
          count('reaped');
        }
      } catch (err) {
        // Refusals are part of the mix (pool exhausted, level held, lease expired...).
        if (!(err instanceof StoreError)) throw err;
        count(`refused ${err.reason}`);
      }
      if (step % 50 === 49) await checkInvariant(store);
    }
    // The mix reached every kind of change it is meant to exercise.
    for (const what of [
      'allocated random',
      'allocated static',
      'allocated disabled',
      'joined',
      'released member',
      'released lease',
      'renewed',
      'reaped',
    ]) {
      expect(outcomes.get(what) ?? 0, what).toBeGreaterThan(0);
    }
    await checkInvariant(store);

    // End everything: by TTL for some, by release for the rest.
    await new Promise((r) => setTimeout(r, 1100));
    while ((await store.reap(50)).length > 0);
    await checkInvariant(store);
    for (const lease of (await store.list({ limit: 1000 })).leases) await store.release({ leaseId: lease.id });
    expect(await store.stats()).toMatchObject({ leased: 0 });
    const left: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `mcs:{mix${seed}}:*`, 'COUNT', 1000);
      cursor = next;
      left.push(...keys.map((k) => k.slice(`mcs:{mix${seed}}:`.length)));
    } while (cursor !== '0');
    // Only the pool itself remains: no index entry outlives its lease.
    expect(left.filter((k) => !['meta', 'slots', 'pos', 'labels', 'events', 'kfree'].includes(k))).toEqual([]);
  });
});
