import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, rpcError, startService, type TestClient } from '../support/service.js';

// Redis beyond one node: a Sentinel-managed primary that fails over, and a
// Cluster whose masters hold different pools. Every process is a real
// redis-server started here.

const started: TestRedis[] = [];
const servers: RunningServer[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(started.map((r) => r.stop()));
});

async function redisProcess(options: Parameters<typeof TestRedis.start>[0] = {}) {
  const r = await TestRedis.start(options);
  started.push(r);
  return r;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function info(port: number, section: string): Promise<string> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.info(section);
  } finally {
    r.disconnect();
  }
}

describe('Sentinel', () => {
  it('follows a failover to the replica and back, and with --redis-min-replicas 1 loses no acknowledged lease', async () => {
    const primary = await redisProcess();
    const replica = await redisProcess({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const sentinelConfig = [
      `sentinel monitor pool 127.0.0.1 ${primary.port} 2`,
      'sentinel down-after-milliseconds pool 1000',
      'sentinel failover-timeout pool 5000',
      'sentinel parallel-syncs pool 1',
    ].join('\n');
    const sentinels = [
      await redisProcess({ sentinelConfig }),
      await redisProcess({ sentinelConfig }),
      await redisProcess({ sentinelConfig }),
    ];
    await until('replica in sync', async () => /master_link_status:up/.test(await info(replica.port, 'replication')));
    await until('sentinels see the replica and each other', async () => {
      const s = await info(sentinels[0]!.port, 'sentinel');
      return /slaves=1,sentinels=3/.test(s);
    });

    const server = await startService('', {
      pool: 'ha',
      categories: 'c0.c63',
      redis: undefined,
      redisSentinels: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      redisMasterName: 'pool',
      redisMinReplicas: '1',
      redisTimeout: '3000',
    });
    servers.push(server);
    const c = connect(server.address);
    clients.push(c);

    const acknowledged = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const { lease } = await c.Allocate({ host: 'h', workload_id: `w${i}` });
      acknowledged.set(lease.lease_id, lease.level);
    }

    // The primary dies; the sentinels promote the replica; the service follows.
    // The old primary comes back as a replica of the new one, as Redis needs
    // of a node without persistence: had it come back empty as a primary, the
    // sentinels could promote it in the seconds before they demote it (it is
    // on their list of replicas) and the new primary would copy its empty data.
    // With --redis-min-replicas 1 writes need that replica.
    await primary.stopProcess('SIGKILL');
    const failedAt = Date.now();
    await until('the replica promoted', async () => /role:master/.test(await info(replica.port, 'replication')), 30_000);
    await primary.startProcess(['--replicaof', '127.0.0.1', String(replica.port)]);
    const allocateAfterFailover = async (workload: string) => {
      let level: string | undefined;
      await until(
        `an allocation (${workload}) on the new primary`,
        async () => {
          level = (await c.Allocate({ host: 'h', workload_id: workload }, { deadlineMs: 3000 })).lease.level;
          return true;
        },
        30_000,
      );
      return level!;
    };
    const after = [await allocateAfterFailover('after-failover')];
    expect(Date.now() - failedAt).toBeLessThan(60_000);

    // A second failover, back to the old primary once it holds the data: the
    // new primary freezes (as a loaded machine can make it look dead) until
    // the sentinels have promoted the old one.
    await until('the old primary in sync', async () => /master_link_status:up/.test(await info(primary.port, 'replication')));
    const sentinelPrimary = async () => {
      const s = new Redis(sentinels[0]!.port, '127.0.0.1', { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      s.on('error', () => {});
      try {
        return ((await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'pool')) as string[])[1];
      } finally {
        s.disconnect();
      }
    };
    replica.pause();
    try {
      await until('the old primary promoted again', async () => (await sentinelPrimary()) === String(primary.port), 30_000);
    } finally {
      replica.resume();
    }
    const role = async (port: number) => /role:(\w+)/.exec(await info(port, 'replication'))?.[1];
    await until(
      'the frozen one a replica',
      async () => (await role(replica.port)) === 'slave' && (await role(primary.port)) === 'master',
      30_000,
    );
    after.push(await allocateAfterFailover('after-second-failover'));

    for (const [id, level] of acknowledged) {
      expect((await c.GetLease({ lease_id: id })).level).toBe(level);
    }
    const levels = new Set([...acknowledged.values(), ...after]);
    expect(levels.size).toBe(acknowledged.size + after.length);
    expect((await c.GetPoolStats({})).leased).toBe(String(acknowledged.size + after.length));
  });

  it('answers UNAVAILABLE (REPLICATION_TIMEOUT) when no replica acknowledges in time', async () => {
    const primary = await redisProcess();
    const server = await startService(primary.url, { pool: 'lonely', categories: 'c0.c9', redisMinReplicas: '1', redisTimeout: '500' });
    servers.push(server);
    const c = connect(server.address);
    clients.push(c);
    const t0 = Date.now();
    const err = await rpcError(c.Allocate({ host: 'h', workload_id: 'w' }, { deadlineMs: 3000 }));
    expect(grpc.status[err.code]).toBe('UNAVAILABLE');
    expect(err.metadata.get('mcs-error-reason')).toEqual(['REPLICATION_TIMEOUT']);
    expect(err.details).toMatch(/only 0 of 1 replicas acknowledged/);
    expect(Date.now() - t0).toBeLessThan(3000);
    // The change is on the primary: the retry returns the same lease, not a second one.
    const again = await rpcError(c.Allocate({ host: 'h', workload_id: 'w' }, { deadlineMs: 3000 }));
    expect(again.metadata.get('mcs-error-reason')).toEqual(['REPLICATION_TIMEOUT']);
    const raw = primary.client();
    expect(await raw.hlen('mcs:{lonely}:leases')).toBe(1);
    raw.disconnect();
  });
});

describe('Cluster', () => {
  it('two pools on different masters both allocate correctly', async () => {
    const nodes = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(await redisProcess({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }));
    }
    const ranges: [number, number][] = [
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ];
    const admin = nodes.map((n) => new Redis(n.port, '127.0.0.1'));
    try {
      for (let i = 0; i < 3; i++) await admin[i]!.call('CLUSTER', 'ADDSLOTSRANGE', ranges[i]![0], ranges[i]![1]);
      for (let i = 1; i < 3; i++) await admin[0]!.call('CLUSTER', 'MEET', '127.0.0.1', nodes[i]!.port);
      await until('cluster state ok, every node knowing every slot', async () => {
        for (const a of admin) {
          const state = String(await a.call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(state) || !/cluster_known_nodes:3/.test(state)) return false;
          if (((await a.call('CLUSTER', 'SLOTS')) as unknown[]).length !== 3) return false;
        }
        return true;
      });
      // Two pool names whose hash tags land on different masters.
      const slot = async (pool: string) => Number(await admin[0]!.call('CLUSTER', 'KEYSLOT', `mcs:{${pool}}:meta`));
      const owner = (s: number) => ranges.findIndex(([lo, hi]) => s >= lo && s <= hi);
      const pools: string[] = [];
      const owners = new Set<number>();
      for (let i = 0; pools.length < 2; i++) {
        const o = owner(await slot(`p${i}`));
        if (!owners.has(o)) {
          owners.add(o);
          pools.push(`p${i}`);
        }
      }

      const seeds = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
      const results = await Promise.all(
        pools.map(async (pool) => {
          const server = await startService('', { pool, categories: 'c0.c31', redis: undefined, redisCluster: seeds });
          servers.push(server);
          const c = connect(server.address);
          clients.push(c);
          const levels = await Promise.all(
            Array.from({ length: 200 }, (_, i) => c.Allocate({ host: `h${i % 4}`, workload_id: `w${i}` }).then((r) => r.lease.level)),
          );
          const stats = await c.GetPoolStats({});
          const listed = await c.ListLeases({ page_size: 1000 });
          return { pool, levels, stats, listed: listed.leases.length };
        }),
      );
      for (const r of results) {
        expect(new Set(r.levels).size).toBe(200);
        expect(r.stats).toMatchObject({ pool: r.pool, leased: '200', total: '496' });
        expect(r.listed).toBe(200);
      }
      // Each pool's keys live on its own master.
      const holders = await Promise.all(
        pools.map(async (pool) => {
          const i = owner(await slot(pool));
          return Number(await admin[i]!.call('CLUSTER', 'COUNTKEYSINSLOT', await slot(pool)));
        }),
      );
      for (const n of holders) expect(n).toBeGreaterThan(3);
    } finally {
      for (const a of admin) a.disconnect();
    }
  });
});
