import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { NO_OPTIONS, expectStatus } from '../support/rpc.js';
import { rpcError, type TestClient } from '../support/service.js';
import { waitUntil } from '../../testkit/process.js';
import { useRedis } from '../support/fixtures.js';

// Redis restarted empty under running workloads: the pool is created again
// and knows none of their labels. New leases wait (--recovery-window) for
// the hosts to report what they run, so no pair a workload still uses is
// handed to another one.

const t = useRedis();

async function service(pool: string, recoveryWindow: string): Promise<{ server: RunningServer; c: TestClient }> {
  const { server, client } = await t.service({ pool, categories: 'c0.c9', recoveryWindow });
  return { server, c: client };
}

/** Allocates until it is granted, waiting out refusals of `reason` (as a runtime's retry would). */
async function allocateWhenAllowed(c: TestClient, host: string, workload_id: string, reason: string) {
  for (;;) {
    try {
      return (await c.Allocate({ host, workload_id })).lease;
    } catch (err) {
      if ((err as grpc.ServiceError).metadata?.get('mcs-error-reason')[0] !== reason) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('a pool created again after Redis lost it', () => {
  it('lets no other workload have a pair a running one still uses', async () => {
    const { c } = await service('recover', '3');
    // Host a runs 20 workloads; it knows the pool's epoch from its heartbeats.
    const running = [];
    for (let i = 0; i < 20; i++) running.push((await c.Allocate({ host: 'a', workload_id: `run-${i}` })).lease);
    const before = (await c.Heartbeat({ host: 'a', ttl_seconds: 0, pool_epoch: '' })).pool_epoch;
    expect(before).toMatch(/^\d+$/);

    // Redis restarts empty.
    await t.redis.stopProcess('SIGKILL');
    await t.redis.startProcess();

    // Host b keeps allocating meanwhile: it is told to wait, not given a pair.
    await waitUntil('the pool created again', async () => (await c.GetPoolStats({})).leased === '0', 10_000);
    const waiting = await rpcError(c.Allocate({ host: 'b', workload_id: 'early' }));
    expectStatus(
      waiting,
      'UNAVAILABLE',
      'POOL_RECOVERING',
      /^pool recover was created again at \S+ \(Redis lost its data\): new leases wait until \S+ for the hosts to report what they run \(Reconcile\); retry then$/,
    );
    const staticWaits = await rpcError(c.Allocate({ host: 'b', workload_id: 'static', options: { ...NO_OPTIONS, level: 's0:c1,c2' } }));
    expectStatus(staticWaits, 'UNAVAILABLE', 'POOL_RECOVERING');
    // A disabled label takes no pair: it is not held up.
    expect((await c.Allocate({ host: 'b', workload_id: 'priv', options: { ...NO_OPTIONS, disable: true } })).lease.kind).toBe('DISABLED');
    const later = allocateWhenAllowed(c, 'b', 'later', 'POOL_RECOVERING');

    // Host a sees the epoch change and reports what it runs.
    const after = (await c.Heartbeat({ host: 'a', ttl_seconds: 0, pool_epoch: before })).pool_epoch;
    expect(after).not.toBe(before);
    const restored = await c.Reconcile({ host: 'a', workloads: running.map((l) => ({ workload_id: l.workload_id, level: l.level })) });
    expect(restored.restored).toHaveLength(20);

    // After the window, b gets pairs, and never one of a's.
    const first = await later;
    const rest = [];
    for (let i = 0; i < 24; i++) rest.push(await c.Allocate({ host: 'b', workload_id: `fill-${i}` }));
    const bLevels = [first.level, ...rest.map((r) => r.lease.level)];
    const aLevels = new Set(running.map((l) => l.level));
    expect(bLevels.filter((l) => aLevels.has(l))).toEqual([]);
    expect(new Set(bLevels).size).toBe(bLevels.length);
    // 20 + 25 = the 45 pairs of c0.c9: the pool is full, each pair held once.
    expect((await c.GetPoolStats({})).free).toBe('0');
  });

  it('does not wait when the pool is new', async () => {
    const { c } = await service('brand-new', '30');
    expect((await c.Allocate({ host: 'a', workload_id: 'first' })).created).toBe(true);
  });

  it('waits too when only a host remembers the pool (every replica restarted with Redis)', async () => {
    const first = await service('forgotten', '30');
    const epoch = (await first.c.Heartbeat({ host: 'a', ttl_seconds: 0, pool_epoch: '' })).pool_epoch;
    await first.server.close();
    await t.redis.stopProcess('SIGKILL');
    await t.redis.startProcess();
    // A new replica finds no pool: as far as it can tell the pool is new.
    const { c } = await service('forgotten', '30');
    expect((await c.Allocate({ host: 'b', workload_id: 'first' })).created).toBe(true);
    // The host's heartbeat carries the epoch it knew: the pool was not new.
    await c.Heartbeat({ host: 'a', ttl_seconds: 0, pool_epoch: epoch });
    expectStatus(await rpcError(c.Allocate({ host: 'b', workload_id: 'second' })), 'UNAVAILABLE', 'POOL_RECOVERING');
    // What b holds already is still answered.
    expect((await c.Allocate({ host: 'b', workload_id: 'first' })).created).toBe(false);
  });

  it('refuses a pool_epoch that is not one', async () => {
    const { c } = await service('epoch-check', '0');
    const err = await rpcError(c.Heartbeat({ host: 'a', ttl_seconds: 0, pool_epoch: 'x; y' }));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^pool_epoch: /);
  });
});
