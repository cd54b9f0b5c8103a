import * as grpc from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { LeaseEvent__Output } from '../../src/generated/mcs/v1/LeaseEvent.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { LogCapture, rpcError, startService, type TestClient } from '../support/service.js';
import { useRedis } from '../support/fixtures.js';

// Host liveness, reconciliation and the event stream, with several replicas
// of the service on one Redis.

const t = useRedis();

function replica(options: Parameters<typeof startService>[1], log?: LogCapture): Promise<{ server: RunningServer; client: TestClient }> {
  return t.service(options, log?.logger());
}

function reasonOf(err: grpc.ServiceError): string | undefined {
  return err.metadata.get('mcs-error-reason')[0] as string | undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('heartbeats', () => {
  it("keep all of a host's leases alive in one call; a lapse reclaims them exactly once across replicas", async () => {
    const logs = [new LogCapture(), new LogCapture(), new LogCapture()];
    const opts = { pool: 'beat', categories: 'c0.c63', hostTtl: '2', reapInterval: '50' };
    const reps = [await replica(opts, logs[0]), await replica(opts, logs[1]), await replica(opts, logs[2])];
    const c = reps[0]!.client;
    for (let i = 0; i < 40; i++) await reps[i % 3]!.client.Allocate({ host: 'lapsing', workload_id: `w${i}` });
    await c.Allocate({ host: 'steady', workload_id: 'kept' });

    // steady beats, lapsing does not.
    const beat = await c.Heartbeat({ host: 'steady', ttl_seconds: 0 });
    expect(beat.leases).toBe('1');
    expect(Number(beat.expires_at!.seconds)).toBeGreaterThan(Date.now() / 1000);
    const timer = setInterval(() => void c.Heartbeat({ host: 'steady', ttl_seconds: 0 }).catch(() => {}), 300);
    try {
      await until('lapsing host reclaimed', async () => Number((await c.GetPoolStats({})).leased) === 1);
    } finally {
      clearInterval(timer);
    }
    const reclaimed = logs.flatMap((l) => l.lines.filter((x) => x.outcome === 'expired' && x.host === 'lapsing'));
    expect(reclaimed.length).toBe(40);
    expect(new Set(reclaimed.map((x) => x.leaseId)).size).toBe(40);
    expect(reps.reduce((n, r) => n + r.server.reaper.reaped, 0)).toBe(40);
    expect((await c.GetLease({ host: 'steady', workload_id: 'kept' })).workload_id).toBe('kept');

    // The host comes back: a clear answer, never a silent second pair.
    for (const call of [
      () => c.GetLease({ host: 'lapsing', workload_id: 'w1' }),
      () => c.Heartbeat({ host: 'lapsing', ttl_seconds: 0 }),
      () => c.Allocate({ host: 'lapsing', workload_id: 'w0' }),
      () => c.Allocate({ host: 'lapsing', workload_id: 'new' }),
    ]) {
      const err = await rpcError(call());
      expect(grpc.status[err.code]).toBe('FAILED_PRECONDITION');
      expect(reasonOf(err)).toBe('HOST_EXPIRED');
      expect(err.details).toMatch(/call Reconcile/);
    }
    // Reconcile ends that state.
    const rec = await c.Reconcile({ host: 'lapsing', workloads: [] });
    expect(rec.released).toEqual([]);
    expect((await c.Heartbeat({ host: 'lapsing', ttl_seconds: 5 })).leases).toBe('0');
  });
});

describe('Reconcile', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = (await replica({ pool: 'rec', categories: 'c0.c1023' })).client;
  });

  it('keeps, restores, reports conflicts and releases, and is safe to repeat', async () => {
    const kept = (await c.Allocate({ host: 'node-a', workload_id: 'kept' })).lease;
    const stale = (await c.Allocate({ host: 'node-a', workload_id: 'gone' })).lease;
    const moved = (await c.Allocate({ host: 'node-a', workload_id: 'moved' })).lease;
    const foreign = (await c.Allocate({ host: 'node-b', workload_id: 'theirs' })).lease;
    const report = [
      { workload_id: 'kept', level: kept.level },
      { workload_id: 'restored', level: 's0:c3,c1' },
      { workload_id: 'pod-1', level: 's0:c10,c11' },
      { workload_id: 'pod-2', level: 's0:c10,c11' },
      { workload_id: 'clash', level: foreign.level },
      { workload_id: 'moved', level: 's0:c20,c21' },
      { workload_id: 'wide', level: 's0:c30.c33' },
      { workload_id: 'priv', level: 's0' },
      { workload_id: 'elsewhere', level: 's1:c1,c2' },
    ];
    const first = await c.Reconcile({ host: 'node-a', workloads: report });
    expect(first.kept.map((l) => l.lease_id)).toEqual([kept.lease_id]);
    expect(first.restored.map((l) => [l.members.at(-1), l.level])).toEqual([
      ['restored', 's0:c1,c3'],
      ['pod-1', 's0:c10,c11'],
      ['pod-2', 's0:c10,c11'],
      ['moved', 's0:c20,c21'],
      ['wide', 's0:c30.c33'],
      ['priv', 's0'],
    ]);
    // The two pod members share one lease.
    expect(first.restored[1]!.lease_id).toBe(first.restored[2]!.lease_id);
    expect(first.restored[2]!.members).toEqual(['pod-1', 'pod-2']);
    expect(first.restored[4]!.kind).toBe('STATIC');
    expect(first.restored[5]).toMatchObject({ kind: 'DISABLED', process_label: 'system_u:system_r:spc_t:s0' });
    expect(first.conflicts).toEqual([
      expect.objectContaining({ workload_id: 'elsewhere', reason: 'OUTSIDE_POOL' }),
      expect.objectContaining({
        workload_id: 'clash',
        level: foreign.level,
        reason: 'LEVEL_IN_USE',
        holder_lease_id: foreign.lease_id,
        holder_host: 'node-b',
        holder_workload_id: 'theirs',
      }),
    ]);
    expect(first.released.map((l) => l.lease_id).sort()).toEqual([moved.lease_id, stale.lease_id].sort());
    expect((await c.GetLease({ host: 'node-b', workload_id: 'theirs' })).lease_id).toBe(foreign.lease_id);

    // Repeating it changes nothing: everything that was restored is kept now.
    const stats = await c.GetPoolStats({});
    const second = await c.Reconcile({ host: 'node-a', workloads: report });
    expect(second.restored).toEqual([]);
    expect(second.released).toEqual([]);
    expect(second.kept.length).toBe(7);
    expect(second.conflicts.map((x) => x.workload_id)).toEqual(['elsewhere', 'clash']);
    expect(await c.GetPoolStats({})).toEqual(stats);
  });

  it('refuses a reported level that dominates a live lease, naming it', async () => {
    const held = (await c.Allocate({ host: 'node-c', workload_id: 'x', options: { ...NO_OPTIONS, level: 's0:c500,c501' } })).lease;
    const res = await c.Reconcile({ host: 'node-d', workloads: [{ workload_id: 'y', level: 's0:c500,c501,c502' }] });
    expect(res.conflicts).toEqual([
      expect.objectContaining({
        reason: 'LEVEL_DOMINANCE_CONFLICT',
        holder_lease_id: held.lease_id,
        holder_host: 'node-c',
        holder_workload_id: 'x',
      }),
    ]);
    expect(res.restored).toEqual([]);
  });

  it('handles thousands of workloads in bounded batches', async () => {
    // A pool of its own: a random lease elsewhere could hold one of these 2000 pairs.
    const c = (await replica({ pool: 'rec-big', categories: 'c0.c1023' })).client;
    const workloads = Array.from({ length: 2000 }, (_, i) => ({
      workload_id: `big-${i}`,
      level: `s0:c${600 + (i % 400)},c${1000 + Math.floor(i / 400)}`,
    }));
    const first = await c.Reconcile({ host: 'big', workloads }, { deadlineMs: 60_000 });
    expect(first.restored.length).toBe(2000);
    expect(new Set(first.restored.map((l) => l.level)).size).toBe(2000);
    const second = await c.Reconcile({ host: 'big', workloads: workloads.slice(0, 1500) }, { deadlineMs: 60_000 });
    expect(second.kept.length).toBe(1500);
    expect(second.released.length).toBe(500);
  });

  it.each([
    [{ host: 'h', workloads: [{ workload_id: 'a', level: 's0:c1,c1' }] }, 'workloads[0].level'],
    [
      {
        host: 'h',
        workloads: [
          { workload_id: 'a', level: 's0:c1' },
          { workload_id: 'a', level: 's0:c2' },
        ],
      },
      'workloads[1].workload_id',
    ],
    [{ host: '', workloads: [] }, 'host'],
  ])('refuses %j with INVALID_ARGUMENT', async (req, field) => {
    const err = await rpcError(c.Reconcile(req));
    expect(grpc.status[err.code]).toBe('INVALID_ARGUMENT');
    expect(err.details.startsWith(`${field}: `)).toBe(true);
  });
});

describe('WatchLeases', () => {
  it('streams every change, from any replica, resumable after an event id', async () => {
    const a = await replica({ pool: 'watch', categories: 'c0.c63' });
    const b = await replica({ pool: 'watch', categories: 'c0.c63' });
    const events: LeaseEvent__Output[] = [];
    const stream = b.client.raw.WatchLeases({ host: '', after_event_id: '' });
    stream.on('data', (e: LeaseEvent__Output) => events.push(e));
    stream.on('error', () => {});
    await new Promise((r) => setTimeout(r, 300));

    const one = (await a.client.Allocate({ host: 'w1', workload_id: 'x', ttl_seconds: 60 })).lease;
    await a.client.Renew({ lease_id: one.lease_id, ttl_seconds: 120 });
    await a.client.Allocate({ host: 'w1', workload_id: 'y', share_with: one.lease_id });
    await a.client.Release({ host: 'w1', workload_id: 'y' });
    await a.client.Release({ lease_id: one.lease_id });
    await a.client.Allocate({ host: 'w2', workload_id: 'z' });
    await until('six events', async () => events.length >= 6);
    expect(events.map((e) => [e.type, e.lease!.host, e.workload_id])).toEqual([
      ['ALLOCATED', 'w1', ''],
      ['RENEWED', 'w1', ''],
      ['ALLOCATED', 'w1', ''],
      ['RELEASED', 'w1', 'y'],
      ['RELEASED', 'w1', ''],
      ['ALLOCATED', 'w2', ''],
    ]);
    expect(events[2]!.lease!.members).toEqual(['x', 'y']);
    expect(events[0]!.lease!.lease_id).toBe(one.lease_id);
    stream.cancel();

    // Resume after the second event, only host w1.
    const resumed: LeaseEvent__Output[] = [];
    const again = a.client.raw.WatchLeases({ host: 'w1', after_event_id: events[1]!.event_id });
    again.on('data', (e: LeaseEvent__Output) => resumed.push(e));
    again.on('error', () => {});
    await until('replayed events', async () => resumed.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.map((e) => e.event_id)).toEqual(events.slice(2, 5).map((e) => e.event_id));
    again.cancel();
  });

  it('refuses a malformed resume point', async () => {
    const { client } = await replica({ pool: 'watch2' });
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const s = client.raw.WatchLeases({ host: '', after_event_id: 'yesterday' });
      s.on('data', () => {});
      s.on('error', resolve);
    });
    expect(grpc.status[err.code]).toBe('INVALID_ARGUMENT');
    expect(err.details).toMatch(/^after_event_id: /);
  });
});
