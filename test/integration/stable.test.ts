import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { builtinProfile } from '../../src/domain/profile.js';
import {
  HostQuotaError,
  LevelConflictError,
  LevelInUseError,
  PoolExhaustedError,
  StableKeyInUseError,
  StableKeyLevelMismatchError,
} from '../../src/store/errors.js';
import { LeaseStore, type PoolSettings, type StableKey } from '../../src/store/lease-store.js';
import { readEvents } from '../../src/store/events.js';
import { waitUntil } from '../../testkit/process.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { connect, rpcError, startService, type TestClient } from '../support/service.js';
import type { RunningServer } from '../../src/server/server.js';

// Stable keys: a workload that comes back gets its pair back, and nobody
// else gets it meanwhile. Against a real Redis, through the store.

let redis: TestRedis;
let client: Redis;
let pools = 0;

beforeAll(async () => {
  redis = await TestRedis.start();
  client = redis.client();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

async function store(categories = 'c0.c31', more: Partial<PoolSettings> = {}, c: Redis = client): Promise<LeaseStore> {
  const s = new LeaseStore(c, {
    name: `stable${++pools}`,
    sensitivity: 's0',
    categories: parseCategoryRange(categories),
    reserved: [],
    profile: builtinProfile('container')!,
    stableRetentionSeconds: 3600,
    ...more,
  });
  await s.init();
  return s;
}

const key = (k: string, retentionSeconds = 0, scope: StableKey['scope'] = 'host'): StableKey => ({ key: k, scope, retentionSeconds });
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('a stable key', () => {
  it('brings the released pair back to the same key, and keeps it from everyone else meanwhile', async () => {
    const s = await store();
    const first = (await s.allocate({ host: 'h', workloadId: 'db-0-a', stable: key('sts/db-0') })).lease;
    expect(first.stableKey).toBe('sts/db-0');
    await s.release({ leaseId: first.id });
    expect((await s.stats()).held).toBe(1);
    const { holds } = await s.listHolds({ limit: 10 });
    expect(holds.map((h) => [h.id, h.level, h.members, h.stableKey])).toEqual([[first.id, first.level, [], 'sts/db-0']]);
    expect(holds[0]!.heldUntil).toBeGreaterThan(Date.now() + 3_500_000);
    // Another key, or none, never gets the held pair.
    const others = [];
    for (let i = 0; i < 20; i++)
      others.push((await s.allocate({ host: 'h', workloadId: `o${i}`, stable: i % 2 ? key(`other-${i}`) : undefined })).lease.level);
    expect(others).not.toContain(first.level);
    // The same key does: a new lease (created, new id) with the old level.
    const back = await s.allocate({ host: 'h', workloadId: 'db-0-b', stable: key('sts/db-0') });
    expect(back.created).toBe(true);
    expect(back.lease.level).toBe(first.level);
    expect(back.lease.id).not.toBe(first.id);
    expect(back.lease.heldUntil).toBe(0);
    expect((await s.stats()).held).toBe(0);
  });

  it('is per host unless it is cluster-wide', async () => {
    const s = await store();
    const a = (await s.allocate({ host: 'a', workloadId: 'w', stable: key('k') })).lease;
    await s.release({ leaseId: a.id });
    // Host b's "k" is another key.
    expect((await s.allocate({ host: 'b', workloadId: 'w', stable: key('k') })).lease.level).not.toBe(a.level);
    const c = (await s.allocate({ host: 'a', workloadId: 'x', stable: key('shared', 0, 'cluster') })).lease;
    await s.release({ leaseId: c.id });
    const moved = (await s.allocate({ host: 'b', workloadId: 'x', stable: key('shared', 0, 'cluster') })).lease;
    expect([moved.host, moved.level]).toEqual(['b', c.level]);
  });

  it('refuses a second live lease with the key, and another level than the held one', async () => {
    const s = await store();
    const live = (await s.allocate({ host: 'h', workloadId: 'one', stable: key('k') })).lease;
    const twice = await refusal(s.allocate({ host: 'h', workloadId: 'two', stable: key('k') }));
    expect(twice).toBeInstanceOf(StableKeyInUseError);
    expect((twice as Error).message).toContain(live.id);
    await s.release({ leaseId: live.id });
    const other = await refusal(
      s.allocate({ host: 'h', workloadId: 'three', stable: key('k'), what: { kind: 'static', level: 's0:c30,c31' } }),
    );
    expect(other).toBeInstanceOf(StableKeyLevelMismatchError);
    // The held level itself is fine.
    expect(
      (await s.allocate({ host: 'h', workloadId: 'three', stable: key('k'), what: { kind: 'static', level: live.level } })).lease.level,
    ).toBe(live.level);
  });

  it('holds for the retention asked for, at most --stable-retention, then gives the pair back exactly once', async () => {
    // Three replicas' stores, each with its own connection, reaping at once.
    const connections = [redis.client(), redis.client(), redis.client()];
    const s = await store('c0.c9', { stableRetentionSeconds: 1 }, connections[0]);
    const others = connections.slice(1).map((c) => new LeaseStore(c, s.settings));
    const before = await s.stats();
    const leases = [];
    for (let i = 0; i < 5; i++) leases.push((await s.allocate({ host: 'h', workloadId: `w${i}`, stable: key(`k${i}`, 3600) })).lease);
    for (const l of leases) await s.release({ leaseId: l.id });
    expect((await s.stats()).held).toBe(5);
    const from = (await client.xrevrange(s.keys.events, '+', '-', 'COUNT', 1))[0]![0];
    await new Promise((r) => setTimeout(r, 1100));
    const reaped = (
      await Promise.all([s, ...others].map(async (x) => (await Promise.all([x.reap(2), x.reap(2), x.reap(2)])).flat()))
    ).flat();
    expect(reaped.map((l) => l.id).sort()).toEqual(leases.map((l) => l.id).sort());
    expect(await s.stats()).toEqual({ ...before, held: 0 });
    const ended = (await readEvents(client, s.keys.events, from, { blockMs: 10, count: 100 })).filter((e) => e.type === 'HOLD_ENDED');
    expect(ended.map((e) => e.fields[0]).sort()).toEqual(leases.map((l) => l.id).sort());
    // After the hold, the key starts afresh (any free pair).
    expect((await s.allocate({ host: 'h', workloadId: 'again', stable: key('k0') })).created).toBe(true);
    for (const c of connections) c.disconnect();
  });

  it('takes part in exhaustion: a held pair is never handed out', async () => {
    const s = await store('c0.c4'); // 10 pairs
    const leases = [];
    for (let i = 0; i < 10; i++) leases.push((await s.allocate({ host: 'h', workloadId: `w${i}`, stable: key(`k${i}`) })).lease);
    await s.release({ leaseId: leases[3]!.id });
    expect(await refusal(s.allocate({ host: 'h', workloadId: 'x' }))).toBeInstanceOf(PoolExhaustedError);
    expect(await s.stats()).toMatchObject({ total: 10, free: 0, leased: 9, held: 1 });
    expect((await s.allocate({ host: 'h', workloadId: 'w3-again', stable: key('k3') })).lease.level).toBe(leases[3]!.level);
  });

  it('keeps dominance: a held static level and a held pair block what is comparable with them', async () => {
    const s = await store();
    const wide = (await s.allocate({ host: 'h', workloadId: 'wide', what: { kind: 'static', level: 's0:c1,c2,c3' }, stable: key('wide') }))
      .lease;
    await s.release({ leaseId: wide.id });
    expect(await refusal(s.allocate({ host: 'h', workloadId: 'a', what: { kind: 'static', level: 's0:c1,c2' } }))).toBeInstanceOf(
      LevelConflictError,
    );
    const same = await refusal(s.allocate({ host: 'h', workloadId: 'b', what: { kind: 'static', level: 's0:c1,c2,c3' } }));
    expect(same).toBeInstanceOf(LevelInUseError);
    expect((same as Error).message).toMatch(/held for stable key wide/);
    const pair = (await s.allocate({ host: 'h', workloadId: 'p', what: { kind: 'static', level: 's0:c10,c11' }, stable: key('pair') }))
      .lease;
    await s.release({ leaseId: pair.id });
    expect(await refusal(s.allocate({ host: 'h', workloadId: 'c', what: { kind: 'static', level: 's0:c10,c11,c12' } }))).toBeInstanceOf(
      LevelConflictError,
    );
    expect(await refusal(s.allocate({ host: 'h', workloadId: 'd', what: { kind: 'static', level: 's0:c11' } }))).toBeInstanceOf(
      LevelConflictError,
    );
    // Dropping the holds gives everything back.
    for (const h of (await s.listHolds({ limit: 10 })).holds) expect((await s.release({ leaseId: h.id })).released).toBe(true);
    expect(await s.stats()).toMatchObject({ held: 0, blocked: 0 });
    expect((await s.allocate({ host: 'h', workloadId: 'a', what: { kind: 'static', level: 's0:c1,c2' } })).created).toBe(true);
  });

  it('counts against the host quota while held', async () => {
    const s = await store('c0.c31', { hostQuota: 2 });
    const l = (await s.allocate({ host: 'h', workloadId: 'a', stable: key('k') })).lease;
    await s.allocate({ host: 'h', workloadId: 'b' });
    await s.release({ leaseId: l.id });
    expect(await refusal(s.allocate({ host: 'h', workloadId: 'c' }))).toBeInstanceOf(HostQuotaError);
    expect((await s.allocate({ host: 'h', workloadId: 'a2', stable: key('k') })).lease.level).toBe(l.level);
  });

  it('a workload reported running with a held level on its host gets it back through Reconcile', async () => {
    const s = await store();
    const l = (await s.allocate({ host: 'h', workloadId: 'c1', stable: key('k') })).lease;
    await s.release({ leaseId: l.id });
    const r = await s.reconcile('h', [{ workloadId: 'c1-again', level: l.level, kind: 'pair', coveredPairs: 0 }]);
    expect(r.restored.map((x) => [x.workloadId, x.level, x.stableKey])).toEqual([['c1-again', l.level, 'k']]);
    expect((await s.stats()).held).toBe(0);
    // Another host reporting it gets a conflict.
    const other = await store();
    const m = (await other.allocate({ host: 'h', workloadId: 'c1', stable: key('k') })).lease;
    await other.release({ leaseId: m.id });
    const elsewhere = await other.reconcile('g', [{ workloadId: 'x', level: m.level, kind: 'pair', coveredPairs: 0 }]);
    expect(elsewhere.conflicts.map((c) => c.error.reason)).toEqual(['LEVEL_IN_USE']);
  });

  it('a stable lease that expires by its TTL is held too', async () => {
    const s = await store();
    const l = (await s.allocate({ host: 'h', workloadId: 'ttl', ttlSeconds: 1, stable: key('k') })).lease;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await s.reap(10)).map((x) => x.id)).toEqual([l.id]);
    expect((await s.stats()).held).toBe(1);
    expect((await s.allocate({ host: 'h', workloadId: 'ttl2', stable: key('k') })).lease.level).toBe(l.level);
  });
});

describe('stable keys through the API', () => {
  let server: RunningServer;
  let c: TestClient;
  const vol = (host_path: string, current_label = '') => ({ host_path, mode: 'Z', read_only: false, storage_id: '', current_label });

  beforeAll(async () => {
    server = await startService(redis.url, { pool: 'stable-api', categories: 'c0.c31', clusterStableKeys: 'shared/*' });
    c = connect(server.address);
  });
  afterAll(async () => {
    c?.close();
    await server?.close();
  });

  it('a recreated workload gets its level back, and its volume needs no relabel', async () => {
    const first = await c.Allocate({ host: 'h', workload_id: 'quadlet-1', stable_key: 'web.service', volumes: [vol('/srv/web')] });
    expect(first.volume_plan.actions[0]!.action).toBe('RELABEL_RECURSIVE');
    expect(first.lease.stable_key).toBe('web.service');
    await c.Release({ lease_id: first.lease.lease_id });
    expect((await c.GetPoolStats({})).held).toBe('1');
    const held = await c.ListLeases({ host: 'h', held: true });
    expect(held.leases.map((l) => [l.lease_id, l.members, l.stable_key])).toEqual([[first.lease.lease_id, [], 'web.service']]);
    expect(held.leases[0]!.held_until).not.toBeNull();
    // The host reads the old label on the volume: the plan skips it.
    const again = await c.Allocate({
      host: 'h',
      workload_id: 'quadlet-2',
      stable_key: 'web.service',
      volumes: [vol('/srv/web', first.lease.mount_label)],
    });
    expect([again.created, again.lease.level]).toEqual([true, first.lease.level]);
    expect(again.volume_plan.actions[0]!.action).toBe('SKIP');
    expect((await c.ListLeases({ host: 'h', held: true })).leases).toEqual([]);
  });

  it('an operator drops a hold by its id; the pair is free again', async () => {
    const l = (await c.Allocate({ host: 'h', workload_id: 'drop-me', stable_key: 'k-drop' })).lease;
    await c.Release({ lease_id: l.lease_id });
    const free = Number((await c.GetPoolStats({})).free);
    expect(await c.Release({ lease_id: l.lease_id })).toEqual({ released: true, remaining_members: 0 });
    expect(Number((await c.GetPoolStats({})).free)).toBe(free + 1);
  });

  it('cluster-wide keys are those of --cluster-stable-keys', async () => {
    const a = (await c.Allocate({ host: 'a', workload_id: 'vm', stable_key: 'shared/vm-1' })).lease;
    await c.Release({ lease_id: a.lease_id });
    const b = (await c.Allocate({ host: 'b', workload_id: 'vm', stable_key: 'shared/vm-1' })).lease;
    expect([b.host, b.level]).toEqual(['b', a.level]);
    const p = (await c.Allocate({ host: 'a', workload_id: 'local', stable_key: 'local-1' })).lease;
    await c.Release({ lease_id: p.lease_id });
    expect((await c.Allocate({ host: 'b', workload_id: 'local', stable_key: 'local-1' })).lease.level).not.toBe(p.level);
  });

  it('three replicas with their reapers racing give each expired hold back exactly once', async () => {
    const opts = { pool: 'stable-race', categories: 'c0.c9', stableRetention: '1', reapInterval: '20' };
    const replicas = [await startService(redis.url, opts), await startService(redis.url, opts), await startService(redis.url, opts)];
    const clients = replicas.map((r) => connect(r.address));
    try {
      const [a, b, c3] = clients as [TestClient, TestClient, TestClient];
      const before = await a.GetPoolStats({});
      const from = (await client.xrevrange('mcs:{stable-race}:events', '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      const leases = [];
      for (let i = 0; i < 6; i++)
        leases.push((await clients[i % 3]!.Allocate({ host: 'h', workload_id: `w${i}`, stable_key: `k${i}` })).lease);
      await Promise.all(leases.map((l, i) => clients[i % 3]!.Release({ lease_id: l.lease_id })));
      expect(Number((await b.GetPoolStats({})).held)).toBeGreaterThan(0);
      await waitUntil('every hold ended', async () => (await c3.GetPoolStats({})).held === '0', 10_000);
      expect(await a.GetPoolStats({})).toEqual(before);
      const ended = (await readEvents(client, 'mcs:{stable-race}:events', from, { blockMs: 10, count: 1000 })).filter(
        (e) => e.type === 'HOLD_ENDED',
      );
      expect(ended.map((e) => e.fields[0]).sort()).toEqual(leases.map((l) => l.lease_id).sort());
      // Another key, after the retention: any free pair, the whole pool to choose from.
      const all = new Set<string>();
      for (let i = 0; i < 10; i++) all.add((await a.Allocate({ host: 'h', workload_id: `x${i}`, stable_key: `k${i}` })).lease.level);
      expect(all.size).toBe(10);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it.each([
    [{ stable_key: 'a b' }, /^stable_key: must be printable ASCII without spaces$/],
    [{ stable_key: 'x'.repeat(257) }, /^stable_key: must be at most 256 characters$/],
    [{ stable_retention_seconds: 60 }, /^stable_retention_seconds: needs a stable_key$/],
    [{ stable_key: 'k', options: { ...NO_OPTIONS, disable: true } }, /^stable_key: a disabled label takes no pair to hold$/],
    [{ stable_key: 'k', share_with: 'aaaaaaaaaaaaaaaa' }, /^stable_key: cannot be combined with share_with/],
  ])('refuses %j', async (extra, message) => {
    const err = await rpcError(c.Allocate({ host: 'h', workload_id: 'bad', ...extra }));
    expect(err.code).toBe(3);
    expect(err.details).toMatch(message);
  });
});
