/**
 * Redis failures while the service runs: Redis stopped, frozen, restarted
 * empty, and a connection dropped between a script's request and its reply.
 * Every scenario runs the real service in-process against a real
 * redis-server this file starts, stops and restarts.
 */
import * as grpc from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { errorInfoOf, ERROR_DOMAIN, REASON_TRAILER } from '../../src/rpc/error-details.js';
import { SERVICE_NAME, type RunningServer } from '../../src/server/server.js';
import type { Lease__Output } from '../../src/generated/mcs/v1/Lease.js';
import { healthClient, waitUntil, type HealthClient } from '../../testkit/process.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, LogCapture, rpcError, startService, type TestClient } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { indexSlot, workloadDigest } from '../support/store-layout.js';

const PREFIX = 'mcs:{default}:';

/**
 * Raw Redis view of the pool's leases, read without the service:
 * `leases` HASH rank -> record and `host:<host>` HASH workload -> rank.
 */
async function rawLeases(raw: Redis): Promise<{ count: number; entriesFor(host: string, workload: string): Promise<number> }> {
  return {
    count: await raw.hlen(`${PREFIX}leases`),
    entriesFor: async (host, workload) => Number((await indexSlot(raw, PREFIX, 'wl', workloadDigest(host, workload))) !== null),
  };
}

/** Fast shutdown, no reaper traffic (it would add FCALLs and noise). */
const SERVICE_OPTIONS = { shutdownGrace: '1', reapInterval: '3600000' } as const;

/** Asserts the standard shape of a "Redis is away" error: UNAVAILABLE with the reason in both places. */
function expectRedisUnavailable(err: grpc.ServiceError): void {
  expect(grpc.status[err.code]).toBe('UNAVAILABLE');
  expect(err.metadata.get(REASON_TRAILER)).toEqual(['REDIS_UNAVAILABLE']);
  const info = errorInfoOf(err);
  expect(info?.reason).toBe('REDIS_UNAVAILABLE');
  expect(info?.domain).toBe(ERROR_DOMAIN);
}

/** Runs a call that must fail and returns the error and how long it took. */
async function timedFailure(p: () => Promise<unknown>): Promise<{ err: grpc.ServiceError; ms: number }> {
  const t0 = Date.now();
  const err = await rpcError(p());
  return { err, ms: Date.now() - t0 };
}

async function waitHealth(health: HealthClient, want: 'SERVING' | 'NOT_SERVING', timeoutMs: number): Promise<void> {
  await waitUntil(
    `health ${want}`,
    async () => (await health.check('', 1000)) === want && (await health.check(SERVICE_NAME, 1000)) === want,
    timeoutMs,
  );
}

/** Every lease of the pool, through ListLeases (all pages). */
async function allLeases(client: TestClient): Promise<Lease__Output[]> {
  const out: Lease__Output[] = [];
  let page_token = '';
  do {
    const res = await client.ListLeases({ page_size: 1000, page_token });
    out.push(...res.leases);
    page_token = res.next_page_token;
  } while (page_token !== '');
  return out;
}

/** Resources of one scenario, released in afterAll whatever happened. */
class Scenario {
  redis: TestRedis | undefined;
  server: RunningServer | undefined;
  client: TestClient | undefined;
  health: HealthClient | undefined;
  raw: Redis | undefined;
  proxy: TcpProxy | undefined;
  readonly extra: (() => unknown)[] = [];

  async cleanup(): Promise<void> {
    for (const f of this.extra) await Promise.resolve(f()).catch(() => {});
    this.client?.close();
    this.health?.close();
    this.raw?.disconnect();
    this.redis?.resume();
    await this.server?.close().catch(() => {});
    await this.proxy?.close().catch(() => {});
    await this.redis?.stop();
  }
}

describe('Redis stopped while the service runs', () => {
  const s = new Scenario();
  afterAll(() => s.cleanup());

  it('answers UNAVAILABLE at once, reports NOT_SERVING, and recovers with its data when Redis is back', async () => {
    s.redis = await TestRedis.start({ persistent: true });
    s.server = await startService(s.redis.url, { ...SERVICE_OPTIONS, categories: 'c0.c99' });
    const client = (s.client = connect(s.server.address));
    const health = (s.health = healthClient(s.server.address));
    expect(await health.check('')).toBe('SERVING');
    expect(await health.check(SERVICE_NAME)).toBe('SERVING');

    const before: Lease__Output[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client.Allocate({ host: 'node-a', workload_id: `before-${i}` });
      expect(res.created).toBe(true);
      before.push(res.lease);
    }

    await s.redis.stopProcess();
    await waitHealth(health, 'NOT_SERVING', 5000);
    expect(s.server.serving()).toBe(false);

    // No offline queue: a call fails at once, long before its deadline.
    const alloc = await timedFailure(() => client.Allocate({ host: 'node-a', workload_id: 'during-outage' }, { deadlineMs: 1500 }));
    expectRedisUnavailable(alloc.err);
    expect(alloc.ms).toBeLessThan(1000);
    const get = await timedFailure(() => client.GetLease({ lease_id: before[0]!.lease_id }, { deadlineMs: 1500 }));
    expectRedisUnavailable(get.err);
    expect(get.ms).toBeLessThan(1000);
    const stats = await timedFailure(() => client.GetPoolStats({}, { deadlineMs: 1500 }));
    expectRedisUnavailable(stats.err);

    await s.redis.startProcess();
    await waitHealth(health, 'SERVING', 10_000);
    expect(s.server.serving()).toBe(true);

    // The AOF kept every lease granted before the outage, unchanged.
    for (const lease of before) {
      const got = await client.GetLease({ lease_id: lease.lease_id });
      expect(got.level).toBe(lease.level);
      expect(got.fencing_token).toBe(lease.fencing_token);
    }
    // The call refused during the outage never reached Redis.
    const missing = await rpcError(client.GetLease({ host: 'node-a', workload_id: 'during-outage' }));
    expect(grpc.status[missing.code]).toBe('NOT_FOUND');

    const after: Lease__Output[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await client.Allocate({ host: 'node-b', workload_id: `after-${i}` });
      expect(res.created).toBe(true);
      after.push(res.lease);
    }
    const again = await client.Allocate({ host: 'node-a', workload_id: 'before-0' });
    expect(again.created).toBe(false);
    expect(again.lease.lease_id).toBe(before[0]!.lease_id);

    const leases = await allLeases(client);
    expect(leases).toHaveLength(25);
    expect(new Set(leases.map((l) => l.level)).size).toBe(25);
    const st = await client.GetPoolStats({});
    expect(st).toMatchObject({ total: '4950', leased: '25', free: '4925', reserved: '0' });
    s.raw = s.redis.client();
    expect((await rawLeases(s.raw)).count).toBe(25);
  });
});

describe('Redis frozen (SIGSTOP) while the service runs', () => {
  const s = new Scenario();
  afterAll(() => s.cleanup());

  it('answers within the deadline instead of hanging, reports NOT_SERVING, and works again after SIGCONT', async () => {
    s.redis = await TestRedis.start();
    // Redis calls are capped at 1 s whatever the client's deadline.
    s.server = await startService(s.redis.url, { ...SERVICE_OPTIONS, categories: 'c0.c99', redisTimeout: '1000' });
    const client = (s.client = connect(s.server.address));
    const health = (s.health = healthClient(s.server.address));
    const first = await client.Allocate({ host: 'node-a', workload_id: 'before' });
    expect(first.created).toBe(true);

    s.redis.pause();

    const alloc = await timedFailure(() =>
      client.Allocate({ host: 'node-a', workload_id: 'frozen', request_id: 'req-frozen' }, { deadlineMs: 1500 }),
    );
    expectRedisUnavailable(alloc.err);
    expect(alloc.ms).toBeLessThan(3000);

    const get = await timedFailure(() => client.GetLease({ lease_id: first.lease.lease_id }, { deadlineMs: 1500 }));
    expectRedisUnavailable(get.err);
    expect(get.ms).toBeLessThan(3000);

    // A deadline shorter than the Redis timeout: the caller still gets an
    // answer by its deadline, whichever side notices first.
    const short = await timedFailure(() => client.GetPoolStats({}, { deadlineMs: 600 }));
    expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(grpc.status[short.err.code]);
    expect(short.ms).toBeLessThan(3000);

    await waitHealth(health, 'NOT_SERVING', 6000);
    expect(s.server.serving()).toBe(false);

    s.redis.resume();
    await waitHealth(health, 'SERVING', 10_000);

    expect((await client.GetLease({ lease_id: first.lease.lease_id })).level).toBe(first.lease.level);
    // The frozen Allocate had already been written to Redis's socket and
    // may have run after SIGCONT: the retry must return that lease, not a
    // second pair.
    const retry = await client.Allocate({ host: 'node-a', workload_id: 'frozen', request_id: 'req-frozen' });
    expect(retry.created).toBe(true);
    const plain = await client.Allocate({ host: 'node-a', workload_id: 'frozen' });
    expect(plain.created).toBe(false);
    expect(plain.lease.lease_id).toBe(retry.lease.lease_id);

    const next = await client.Allocate({ host: 'node-a', workload_id: 'after' });
    expect(next.created).toBe(true);
    const leases = await allLeases(client);
    expect(leases.map((l) => l.workload_id).sort()).toEqual(['after', 'before', 'frozen']);
    expect(new Set(leases.map((l) => l.level)).size).toBe(3);
    expect(await client.GetPoolStats({})).toMatchObject({ leased: '3', free: String(4950 - 3) });
  });
});

describe('Redis restarted empty', () => {
  const s = new Scenario();
  const logs = new LogCapture();
  afterAll(() => s.cleanup());

  it('re-creates the pool, says so at error level, and serves again with growing fencing tokens', async () => {
    s.redis = await TestRedis.start({ persistent: false });
    s.server = await startService(s.redis.url, { ...SERVICE_OPTIONS, categories: 'c0.c9' }, logs.logger('info'));
    const client = (s.client = connect(s.server.address));
    const health = (s.health = healthClient(s.server.address));

    const old: Lease__Output[] = [];
    for (let i = 0; i < 3; i++) old.push((await client.Allocate({ host: 'node-a', workload_id: `old-${i}` })).lease);
    expect(await client.GetPoolStats({})).toMatchObject({ total: '45', leased: '3' });
    expect(logs.lines.some((l) => l.level === 50)).toBe(false);

    await s.redis.stopProcess();
    await s.redis.startProcess();

    const stats = await waitUntil(
      'the pool to be back',
      async () => {
        try {
          return await client.GetPoolStats({}, { deadlineMs: 1000 });
        } catch {
          return undefined;
        }
      },
      10_000,
    );
    expect(stats).toMatchObject({ pool: 'default', category_range: 'c0.c9', total: '45', leased: '0', free: '45', reserved: '0' });
    await waitHealth(health, 'SERVING', 10_000);

    const errors = logs.lines.filter((l) => l.level === 50);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(String(errors[0]!.msg)).toMatch(/pool state was missing in Redis and has been created again/);
    expect(errors[0]!.pool).toBe('default');

    const gone = await rpcError(client.GetLease({ lease_id: old[0]!.lease_id }));
    expect(grpc.status[gone.code]).toBe('NOT_FOUND');

    const fresh = await client.Allocate({ host: 'node-a', workload_id: 'old-0' });
    expect(fresh.created).toBe(true);
    expect(fresh.lease.lease_id).not.toBe(old[0]!.lease_id);
    // Tokens are seeded from the clock when the pool is created, so they
    // keep growing across the loss.
    const maxOld = old.map((l) => BigInt(l.fencing_token)).reduce((a, b) => (a > b ? a : b));
    expect(BigInt(fresh.lease.fencing_token) > maxOld).toBe(true);
    expect(await client.GetPoolStats({})).toMatchObject({ leased: '1', free: '44' });
  });
});

describe('connection dropped after a script was sent, before its reply', () => {
  const s = new Scenario();
  afterAll(() => s.cleanup());

  it('the resent FCALL runs twice in Redis but grants exactly one lease', async () => {
    s.redis = await TestRedis.start();
    s.proxy = await TcpProxy.start(s.redis.port);
    s.server = await startService(s.proxy.url, { ...SERVICE_OPTIONS, categories: 'c0.c99' });
    const client = (s.client = connect(s.server.address));
    const raw = (s.raw = s.redis.client());

    // Load the function library into Redis (the first call finds it missing
    // and loads it), so that the calls below are plain FCALLs; then free the pair.
    const warm = await client.Allocate({ host: 'node-a', workload_id: 'warm-up' });
    expect((await client.Release({ lease_id: warm.lease.lease_id })).released).toBe(true);
    expect(await client.GetPoolStats({})).toMatchObject({ leased: '0' });

    const monitor = await s.redis.client().monitor();
    s.extra.push(() => monitor.disconnect());
    const scriptRuns: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const cmd = String(args[0]).toLowerCase();
      if (source !== 'lua' && cmd === 'fcall' && args.includes('resent')) scriptRuns.push(args);
    });
    // MONITOR is live once it reports a command of ours.
    await waitUntil(
      'MONITOR to be live',
      async () => {
        let seen = false;
        const probe = (_t: string, args: string[]) => (seen ||= args.includes('mcs-monitor-probe'));
        monitor.on('monitor', probe);
        await raw.get('mcs-monitor-probe');
        await new Promise((r) => setTimeout(r, 50));
        monitor.off('monitor', probe);
        return seen;
      },
      5000,
    );

    const tokenBefore = BigInt((await raw.hget(`${PREFIX}meta`, 'token'))!);
    expect((await rawLeases(raw)).count).toBe(0);
    const connectionsBefore = s.proxy.accepted;
    const dropped = s.proxy.dropNextReplyContaining('resent');

    let res: { lease?: Lease__Output | null; created: boolean } | undefined;
    try {
      res = await client.Allocate({ host: 'node-a', workload_id: 'resent' }, { deadlineMs: 5000 });
    } catch (err) {
      // Allowed by the contract: a call may time out; its retry must then
      // find the lease the lost attempt granted.
      expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(grpc.status[(err as grpc.ServiceError).code]);
    }
    await dropped;
    expect(s.proxy.dropped).toBe(1);
    expect(s.proxy.accepted).toBeGreaterThan(connectionsBefore);

    if (res) {
      // The replay recognises its own lease id and still reports the grant.
      expect(res.created).toBe(true);
    } else {
      const retry = await client.Allocate({ host: 'node-a', workload_id: 'resent' });
      expect(retry.created).toBe(false);
      res = retry;
    }
    const lease = res.lease!;

    // The script really ran twice: the original and ioredis's resend.
    await waitUntil('two script runs in MONITOR', () => scriptRuns.length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(scriptRuns.length).toBe(2);
    // The same function with identical keys and arguments, including the
    // lease id suffix of ARGV[7].
    expect(scriptRuns[1]).toEqual(scriptRuns[0]);
    expect(scriptRuns[0]![1]).toMatch(/^mcs_[0-9a-f]{12}_allocate$/);
    expect(scriptRuns[0]).toContain('node-a');

    // ...and granted one pair: one lease record, one workload entry, one token.
    const after = await rawLeases(raw);
    expect(after.count).toBe(1);
    expect(await after.entriesFor('node-a', 'resent')).toBe(1);
    expect(BigInt((await raw.hget(`${PREFIX}meta`, 'token'))!) - tokenBefore).toBe(1n);
    expect(await client.GetPoolStats({})).toMatchObject({ leased: '1', free: '4949' });
    expect((await client.GetLease({ host: 'node-a', workload_id: 'resent' })).lease_id).toBe(lease.lease_id);
  });
});
