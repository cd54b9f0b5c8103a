import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, LogCapture, rpcError, startService, type TestClient } from '../support/service.js';

// Several service replicas on one Redis, many concurrent clients: the pool
// must never hand the same pair out twice, and expiry must reclaim each
// lease exactly once.

let redis: TestRedis;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await redis.stop();
});

async function replicas(n: number, options: Parameters<typeof startService>[1], logs?: LogCapture[]) {
  const started: RunningServer[] = [];
  for (let i = 0; i < n; i++) {
    const s = await startService(redis.url, options, logs?.[i]?.logger());
    servers.push(s);
    started.push(s);
  }
  return started;
}

function clientsFor(started: RunningServer[], perServer: number): TestClient[] {
  const out: TestClient[] = [];
  for (const s of started) {
    for (let i = 0; i < perServer; i++) out.push(connect(s.address));
  }
  clients.push(...out);
  return out;
}

// Thousands of calls in flight at once on a busy 2-core machine: the last
// ones wait a while for Redis, which is not what these tests are about.
const PATIENT = { redisTimeout: '30000' } as const;

describe('uniqueness', () => {
  it('never hands a pair out twice: 4000 concurrent allocations through 2 replicas', async () => {
    const started = await replicas(2, { pool: 'uniq', ...PATIENT });
    const cs = clientsFor(started, 4);
    const levels = await Promise.all(
      Array.from({ length: 4000 }, (_, i) =>
        cs[i % cs.length]!.Allocate({ host: `host-${i % 13}`, workload_id: `w-${i}` }, { deadlineMs: 60_000 }).then((r) => r.lease.level),
      ),
    );
    expect(new Set(levels).size).toBe(4000);
    const stats = await cs[0]!.GetPoolStats({});
    expect(stats.leased).toBe('4000');
  });

  it('drains a small pool concurrently: exactly as many grants as pairs, the rest RESOURCE_EXHAUSTED', async () => {
    const started = await replicas(2, { pool: 'drain', categories: 'c0.c63', ...PATIENT });
    const cs = clientsFor(started, 4);
    const total = (64 * 63) / 2;
    const results = await Promise.allSettled(
      Array.from({ length: total + 300 }, (_, i) =>
        cs[i % cs.length]!.Allocate({ host: 'h', workload_id: `d-${i}` }, { deadlineMs: 60_000 }).then((r) => r.lease.level),
      ),
    );
    const granted = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as grpc.ServiceError);
    expect(granted.length).toBe(total);
    expect(new Set(granted).size).toBe(total);
    expect(refused.length).toBe(300);
    for (const err of refused) {
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err.metadata.get('mcs-error-reason')).toEqual(['POOL_EXHAUSTED']);
    }
    // Recovery: released pairs can be leased again, one each.
    const holders = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`d-${i}`] : [])).slice(0, 10);
    for (const w of holders) expect(await cs[0]!.Release({ host: 'h', workload_id: w })).toEqual({ released: true, remaining_members: 0 });
    const again = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => cs[i % cs.length]!.Allocate({ host: 'h', workload_id: `again-${i}` })),
    );
    expect(again.filter((r) => r.status === 'fulfilled').length).toBe(10);
    const err = await rpcError(cs[1]!.Allocate({ host: 'h', workload_id: 'late' }));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/pool drain is exhausted: all 2016 pairs are leased or reserved/);
  });
});

describe('expiry with two replicas', () => {
  it('reclaims every expired lease exactly once, and leaves renewed ones alone', async () => {
    const logs = [new LogCapture(), new LogCapture()];
    const started = await replicas(2, { pool: 'ttl', categories: 'c0.c31', reapInterval: '50' }, logs);
    const [a, b] = clientsFor(started, 1);
    const expiring: string[] = [];
    for (let i = 0; i < 30; i++) {
      const c = i % 2 ? a! : b!;
      expiring.push((await c.Allocate({ host: `h${i % 3}`, workload_id: `e-${i}`, ttl_seconds: 1 })).lease.lease_id);
    }
    const kept = (await a!.Allocate({ host: 'h0', workload_id: 'renewed', ttl_seconds: 1 })).lease;
    await a!.Renew({ lease_id: kept.lease_id, ttl_seconds: 120 });
    const permanent = (await b!.Allocate({ host: 'h1', workload_id: 'forever' })).lease;

    const until = Date.now() + 10_000;
    while (Number((await a!.GetPoolStats({})).leased) > 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await a!.GetPoolStats({})).leased).toBe('2');
    const reapedIds = logs.flatMap((l) => l.lines.filter((x) => x.outcome === 'expired').map((x) => x.leaseId as string));
    expect(reapedIds.sort()).toEqual([...expiring].sort());
    expect(started[0]!.reaper.reaped + started[1]!.reaper.reaped).toBe(30);
    expect((await b!.GetLease({ lease_id: kept.lease_id })).workload_id).toBe('renewed');
    expect((await b!.GetLease({ lease_id: permanent.lease_id })).workload_id).toBe('forever');
  });
});
