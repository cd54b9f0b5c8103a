/**
 * Section 5 (Redis part): used_memory per active lease, every index
 * included, and the fixed cost of a pool of 523,776 pairs once its
 * permutation arrays are written out. The service's RSS under load is
 * measured in the throughput section.
 *
 * Every key of the pool is found by SCAN (so structures added to the store
 * later show up without changing this file) and grouped by its name after
 * the pool prefix, with per-host keys ("host:<host>") as one group. A Redis
 * stream is an event log: it grows with every change, not with the number of
 * active leases, and is capped, so it is reported apart: its cost per event,
 * and its size at its cap counted as fixed cost of the pool.
 */
import type { Redis } from 'ioredis';
import type { Ctx } from '../lib/context.js';
import type { LeaseStore } from '../../src/store/lease-store.js';
import { fillStore, harnessStore } from '../lib/fill.js';
import { BenchRedis, redisInfo } from '../lib/procs.js';

export interface KeyUsage {
  readonly key: string;
  readonly type: string;
  readonly encoding: string;
  readonly bytes: number;
  readonly length?: number;
}

export interface GroupUsage {
  /** e.g. "leases", "host:*", "events". */
  readonly group: string;
  readonly keys: number;
  readonly type: string;
  readonly encodings: string;
  readonly bytes: number;
}

export interface LeaseMemory {
  readonly variant: string;
  readonly leases: number;
  /** used_memory after the leases were created, less before. */
  readonly usedMemoryDelta: number;
  /** Of that, the growth of event streams (not per active lease: capped, see fixed). */
  readonly streamDelta: number;
  /** (usedMemoryDelta - streamDelta) / leases. */
  readonly bytesPerLease: number;
  /** MEMORY USAGE of each structure of the pool after the fill, per lease. */
  readonly byStructure: { group: string; bytesPerLease: number; keys: number; encodings: string; type: string }[];
}

export interface StreamCost {
  readonly key: string;
  readonly entries: number;
  readonly bytes: number;
  readonly bytesPerEntry: number;
  /** meta.eventmax: how many entries the pool keeps (about). */
  readonly cap: number;
  /** bytes the stream holds once it reaches its cap. */
  readonly bytesAtCap: number;
}

export interface MemoryResult {
  readonly pool: { readonly categories: string; readonly total: number };
  readonly fixed: {
    /** used_memory after the pool was created and one lease went and came back (arrays written out). */
    readonly usedMemoryDelta: number;
    readonly keys: KeyUsage[];
    readonly keysTotal: number;
    /** The arrays' string lengths against the 3 bytes x total they need. */
    readonly arrays: { readonly key: string; readonly strlen: number; readonly needed: number; readonly allocated: number }[];
    /** Event streams at their cap (0 when the store keeps none). */
    readonly streamsAtCap: number;
    /** usedMemoryDelta (less the few events already in it) + streamsAtCap. */
    readonly withStreamsAtCap: number;
  };
  readonly streams: StreamCost[];
  readonly perLease: LeaseMemory[];
  readonly notes: string[];
}

/** Releases every lease, 256 calls in flight. */
async function releaseAll(store: LeaseStore, ids: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < ids.length) await store.release({ leaseId: ids[next++]! });
    }),
  );
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number((await redisInfo(redis, 'memory'))['used_memory']);
}

async function keyUsage(redis: Redis, key: string): Promise<KeyUsage | undefined> {
  const type = await redis.type(key);
  if (type === 'none') return undefined;
  const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const encoding = String(await redis.call('OBJECT', 'ENCODING', key));
  const length =
    type === 'hash'
      ? await redis.hlen(key)
      : type === 'zset'
        ? await redis.zcard(key)
        : type === 'string'
          ? await redis.strlen(key)
          : type === 'stream'
            ? await redis.xlen(key)
            : type === 'set'
              ? await redis.scard(key)
              : undefined;
  return { key, type, encoding, bytes, ...(length !== undefined ? { length } : {}) };
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

const globEscape = (s: string) => s.replace(/[{}*?[\]\\]/g, '\\$&');

/** Every key of a pool, grouped by the name after the prefix ("host:<x>" -> "host:*"). */
async function poolUsage(redis: Redis, prefix: string): Promise<{ groups: GroupUsage[]; keys: KeyUsage[] }> {
  const keys: KeyUsage[] = [];
  for (const key of await scanKeys(redis, `${globEscape(prefix)}*`)) {
    const u = await keyUsage(redis, key);
    if (u) keys.push(u);
  }
  const groups = new Map<string, { keys: number; type: string; encodings: Set<string>; bytes: number }>();
  for (const u of keys) {
    const rest = u.key.slice(prefix.length);
    const i = rest.indexOf(':');
    const group = i >= 0 ? `${rest.slice(0, i)}:*` : rest;
    const g = groups.get(group) ?? { keys: 0, type: u.type, encodings: new Set<string>(), bytes: 0 };
    g.keys++;
    g.encodings.add(u.encoding);
    g.bytes += u.bytes;
    groups.set(group, g);
  }
  return {
    keys,
    groups: [...groups].map(([group, g]) => ({ group, keys: g.keys, type: g.type, encodings: [...g.encodings].join('/'), bytes: g.bytes })),
  };
}

export async function memorySection(ctx: Ctx): Promise<MemoryResult> {
  const { opts } = ctx;
  const categories = 'c0.c1023';
  const n = opts.memoryLeases;
  const redis = await BenchRedis.start({ aof: false });
  const admin = redis.client();
  const conns: Redis[] = [];
  try {
    // Load the scripts and open the connections first, outside the figures.
    const warm = await harnessStore(redis.url, { pool: 'warmup', categories: 'c0.c3' });
    conns.push(warm.redis);
    const w = await warm.store.allocate({ host: 'h', workloadId: 'w' });
    await warm.store.release({ leaseId: w.lease.id });
    for (const k of await scanKeys(admin, `${globEscape(warm.store.keys.prefix)}*`)) await admin.del(k);

    const before = await usedMemory(admin);
    const plain = await harnessStore(redis.url, { pool: 'mem-plain', categories });
    conns.push(plain.redis);
    const k = plain.store.keys;
    // One lease and back: the swap writes both arrays out to their full length.
    const one = await plain.store.allocate({ host: 'h', workloadId: 'w' });
    await plain.store.release({ leaseId: one.lease.id });
    const fixedUsed = (await usedMemory(admin)) - before;
    const fixedKeys = (await poolUsage(admin, k.prefix)).keys;
    const total = plain.store.space.size;
    const arrays = fixedKeys
      .filter((u) => u.key === k.slots || u.key === k.pos)
      .map((u) => ({ key: u.key, strlen: u.length ?? 0, needed: 3 * total, allocated: u.bytes }));
    const fixedStreamBytes = fixedKeys.filter((u) => u.type === 'stream').reduce((a, u) => a + u.bytes, 0);
    const eventmax = Number((await admin.hget(k.meta, 'eventmax')) ?? 100_000);

    const perLease: LeaseMemory[] = [];
    const streams: StreamCost[] = [];
    const measure = async (
      variant: string,
      pool: string,
      fill: { requestIds?: boolean; ttlSeconds?: number; stableKeys?: boolean },
      release = false,
    ) => {
      const h = pool === 'mem-plain' ? plain : await harnessStore(redis.url, { pool, categories });
      if (h !== plain) {
        conns.push(h.redis);
        const x = await h.store.allocate({ host: 'h', workloadId: 'w' });
        await h.store.release({ leaseId: x.lease.id });
      }
      const prefix = h.store.keys.prefix;
      const streamBytes = async () =>
        (await poolUsage(admin, prefix)).keys.filter((u) => u.type === 'stream').reduce((a, u) => a + u.bytes, 0);
      const base = await usedMemory(admin);
      const streams0 = await streamBytes();
      const filled = await fillStore(h.store, n, { ...fill, hosts: opts.hosts, log: ctx.log, label: `memory (${variant})` });
      if (release) await releaseAll(h.store, filled.ids);
      const delta = (await usedMemory(admin)) - base;
      const usage = await poolUsage(admin, prefix);
      const streamDelta = usage.keys.filter((u) => u.type === 'stream').reduce((a, u) => a + u.bytes, 0) - streams0;
      for (const u of usage.keys.filter((x) => x.type === 'stream')) {
        const entries = u.length ?? 0;
        const per = entries > 0 ? u.bytes / entries : 0;
        streams.push({
          key: u.key,
          entries,
          bytes: u.bytes,
          bytesPerEntry: Math.round(per),
          cap: eventmax,
          bytesAtCap: Math.round(per * eventmax),
        });
      }
      const skip = new Set(['meta', 'slots', 'pos', 'labels', 'reserved']);
      perLease.push({
        variant,
        leases: n,
        usedMemoryDelta: delta,
        streamDelta,
        bytesPerLease: Math.round(((delta - streamDelta) / n) * 10) / 10,
        byStructure: usage.groups
          .filter((g) => !skip.has(g.group) && g.type !== 'stream')
          .sort((a, b) => b.bytes - a.bytes)
          .map((g) => ({
            group: g.group,
            bytesPerLease: Math.round((g.bytes / n) * 10) / 10,
            keys: g.keys,
            encodings: g.encodings,
            type: g.type,
          })),
      });
      // A stream filled by the other variant's pool would be counted twice: one is enough.
      if (streams.length > 1) streams.splice(1);
    };
    await measure('plain: no request id, no TTL', 'mem-plain', {});
    await measure('full: request id (UUID) + TTL', 'mem-full', { requestIds: true, ttlSeconds: 86_400 });
    await measure('stable key, live', 'mem-stable', { stableKeys: true });
    await measure('stable key, released: the pair held for its key', 'mem-held', { stableKeys: true }, true);

    const streamsAtCap = streams.reduce((a, s) => a + s.bytesAtCap, 0);
    return {
      pool: { categories, total },
      fixed: {
        usedMemoryDelta: fixedUsed,
        keys: fixedKeys,
        keysTotal: fixedKeys.reduce((a, u) => a + u.bytes, 0),
        arrays,
        streamsAtCap,
        withStreamsAtCap: fixedUsed - fixedStreamBytes + streamsAtCap,
      },
      streams,
      perLease,
      notes: [
        `${n.toLocaleString('en-US')} leases over ${opts.hosts} hosts (node-NNN.cluster.example.com), ` +
          '64-hex workload ids, the default container profile.',
        'bytes per lease = (used_memory difference - growth of event streams) / leases; ' +
          'the breakdown is MEMORY USAGE ... SAMPLES 0 of every key of the pool, grouped.',
        'stable key, released: the leases were created with stable keys and released, so each pair is held for its key ' +
          '(its record, its digest index entry, two sorted-set entries); the figure is per held pair.',
        'fixed = used_memory difference after creating the pool and allocating and releasing one lease ' +
          '(which writes both permutation arrays out to their full length); an event stream is counted at its cap ' +
          '(meta.eventmax entries), which it reaches after that many changes whatever the number of active leases.',
      ],
    };
  } finally {
    for (const c of conns) c.disconnect();
    await redis.stop();
  }
}
