import * as grpc from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { ensureBuilt, healthClient, killAllCli, runCli, waitServing, waitUntil, type CliProcess } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { connect, startService, type TestClient } from '../support/service.js';

// Failures under load, with real processes: a replica of the service killed
// with SIGKILL while clients allocate through all three, and Redis stopped
// and restarted (AOF) while clients keep calling.

const redises: TestRedis[] = [];
const clients: TestClient[] = [];
const servers: RunningServer[] = [];

beforeAll(async () => {
  await ensureBuilt();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await killAllCli();
  await Promise.all(redises.map((r) => r.stop()));
});

/** The level of every lease record in Redis, read directly: a level held twice is a broken promise. */
async function levelsInRedis(raw: Redis, pool: string, client: TestClient): Promise<string[]> {
  const levels: string[] = [];
  let token = '';
  do {
    const page = await client.ListLeases({ page_size: 1000, page_token: token });
    levels.push(...page.leases.map((l) => l.level));
    token = page.next_page_token;
  } while (token !== '');
  expect(await raw.hlen(`mcs:{${pool}}:leases`)).toBe(levels.length);
  return levels;
}

describe('SIGKILL of one replica under load', () => {
  it("keeps every acknowledged lease, duplicates nothing, and the other replicas' clients never notice", async () => {
    const redis = await TestRedis.start({ persistent: true });
    redises.push(redis);
    const procs: { proc: CliProcess; client: TestClient }[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const address = `127.0.0.1:${port}`;
      const proc = runCli([
        'serve',
        '--redis',
        redis.url,
        '--listen',
        address,
        '--pool',
        'kill',
        '--categories',
        'c0.c127',
        '--log-level',
        'warn',
      ]);
      const client = await waitServing(proc, address);
      clients.push(client);
      procs.push({ proc, client });
    }

    const acknowledged = new Map<string, { level: string; via: number }>();
    const errors: { via: number; code: string }[] = [];
    let stop = false;
    let seq = 0;
    const worker = async (via: number) => {
      while (!stop) {
        const w = `w-${via}-${seq++}`;
        try {
          const { lease } = await procs[via]!.client.Allocate({ host: `h${seq % 5}`, workload_id: w }, { deadlineMs: 2000 });
          acknowledged.set(lease.lease_id, { level: lease.level, via });
        } catch (err) {
          errors.push({ via, code: grpc.status[(err as grpc.ServiceError).code] });
          if (via === 0) await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const load = [0, 0, 1, 1, 1, 2, 2, 2].map((via) => worker(via));
    await waitUntil('some load', () => acknowledged.size > 300, 20_000);
    procs[0]!.proc.kill('SIGKILL');
    const killedAt = acknowledged.size;
    await waitUntil('more load after the kill', () => acknowledged.size > killedAt + 600, 30_000);
    stop = true;
    await Promise.all(load);

    expect(procs[0]!.proc.running).toBe(false);
    // Only the killed replica's own clients saw errors.
    expect(errors.filter((e) => e.via !== 0)).toEqual([]);
    const survivor = procs[1]!.client;
    const raw = redis.client();
    const levels = await levelsInRedis(raw, 'kill', survivor);
    raw.disconnect();
    expect(new Set(levels).size).toBe(levels.length);
    for (const [id, { level }] of acknowledged) {
      expect((await survivor.GetLease({ lease_id: id })).level).toBe(level);
    }
    // In-flight calls on the killed replica may have been granted without
    // an answer; nothing else is in Redis.
    expect(levels.length - acknowledged.size).toBeGreaterThanOrEqual(0);
    expect(levels.length - acknowledged.size).toBeLessThanOrEqual(2);
  });
});

describe('Redis stopped under load', () => {
  it('answers UNAVAILABLE within deadlines, queues nothing, recovers by itself, and retries do not double-allocate', async () => {
    const redis = await TestRedis.start({ persistent: true });
    redises.push(redis);
    const server = await startService(redis.url, { pool: 'outage', categories: 'c0.c127', redisTimeout: '500' });
    servers.push(server);
    const client = connect(server.address);
    clients.push(client);
    const health = healthClient(server.address);

    // Each workload retries (same request id) until it gets an answer.
    const acknowledged = new Map<string, { id: string; level: string }>();
    const slow: number[] = [];
    let failures = 0;
    const attempt = async (w: string) => {
      for (;;) {
        const t0 = Date.now();
        try {
          const { lease } = await client.Allocate({ host: 'h', workload_id: w, request_id: `req-${w}` }, { deadlineMs: 1000 });
          const prior = acknowledged.get(w);
          if (prior) expect(lease.lease_id).toBe(prior.id);
          acknowledged.set(w, { id: lease.lease_id, level: lease.level });
          return;
        } catch (err) {
          const code = grpc.status[(err as grpc.ServiceError).code];
          expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(code);
          failures++;
          if (Date.now() - t0 > 1500) slow.push(Date.now() - t0);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    let n = 0;
    let stop = false;
    const workers = Array.from({ length: 6 }, async () => {
      while (!stop) await attempt(`w${n++}`);
    });
    await waitUntil('load before the outage', () => acknowledged.size > 200, 20_000);
    const before = new Map(acknowledged);

    await redis.stopProcess();
    await waitUntil('health NOT_SERVING', async () => (await health.check('', 1000)) === 'NOT_SERVING', 10_000);
    await waitUntil('failed calls during the outage', () => failures > 20, 10_000);
    // The offline queue is off: nothing waits in memory for Redis to return.
    expect((server.store.redis as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);

    await redis.startProcess();
    await waitUntil('health SERVING again', async () => (await health.check('', 1000)) === 'SERVING', 20_000);
    const resumedAt = acknowledged.size;
    await waitUntil('load after the outage', () => acknowledged.size > resumedAt + 200, 20_000);
    stop = true;
    await Promise.all(workers);
    health.close();

    expect(slow).toEqual([]);
    for (const [w, { id, level }] of before) {
      const lease = await client.GetLease({ host: 'h', workload_id: w });
      expect([lease.lease_id, lease.level]).toEqual([id, level]);
    }
    const raw = redis.client();
    const levels = await levelsInRedis(raw, 'outage', client);
    raw.disconnect();
    expect(new Set(levels).size).toBe(levels.length);
    // One lease per workload that was answered: retries never made a second.
    expect(levels.length).toBe(acknowledged.size);
  });
});
