/**
 * The store opener that the service and the webhook share: its health
 * ping answers for every connection the store uses, within its bound, and
 * a start that cannot open the pool leaves no connection behind.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServeConfig } from '../../src/config/serve-config.js';
import { DEFAULTS } from '../../src/config/serve-flags.js';
import { createRedis } from '../../src/redis/connection.js';
import { parseRedisTarget } from '../../src/redis/target.js';
import { leaseStoreFor, type OpenedLeaseStore } from '../../src/server/lease-store-for.js';
import { useRedis } from '../support/fixtures.js';
import { startService } from '../support/service.js';

const t = useRedis();
const log = pino({ level: 'silent' });
const opened: { close: () => void }[] = [];
afterAll(() => opened.forEach((o) => o.close()));

async function open(minReplicas: number): Promise<OpenedLeaseStore & { redis: ReturnType<typeof createRedis> }> {
  const config = buildServeConfig({ ...DEFAULTS, reserved: undefined, redis: t.redis.url, redisMinReplicas: String(minReplicas) });
  const redis = createRedis(parseRedisTarget(t.redis.url));
  redis.on('error', () => {});
  const o = leaseStoreFor(redis, config, log);
  opened.push({ close: () => (redis.disconnect(), o.writer?.disconnect()) });
  await o.connect();
  return { ...o, redis };
}

describe('leaseStoreFor: ping', () => {
  it('is true while Redis answers on the main connection and the writer', async () => {
    const o = await open(1);
    expect(o.writer).toBeDefined();
    expect(await o.ping(1000)).toBe(true);
  });

  it('fails when the writer is gone though the main connection still answers', async () => {
    const o = await open(1);
    o.writer!.disconnect();
    expect(await o.redis.ping()).toBe('PONG');
    await expect(o.ping(1000)).rejects.toThrow();
  });

  it('fails within its bound when Redis stops answering', async () => {
    const o = await open(0);
    expect(o.writer).toBeUndefined();
    t.redis.pause();
    try {
      await expect(o.ping(300)).rejects.toThrow('ping timed out');
    } finally {
      t.redis.resume();
    }
    expect(await o.ping(1000)).toBe(true);
  });
});

describe('a start that cannot open the pool', () => {
  /** Connections redis-server has open, but the fixture's own. */
  const clients = async () => ((await t.raw.client('LIST')) as string).trim().split('\n').length;

  it('drops the writer of --redis-min-replicas too, not only the main connection', async () => {
    await (await startService(t.redis.url, { pool: 'fixed', categories: 'c0.c9' })).close();
    const before = await clients();
    await expect(startService(t.redis.url, { pool: 'fixed', categories: 'c0.c19', redisMinReplicas: '1' })).rejects.toThrow(/categories/);
    await expect.poll(clients, { timeout: 5000, interval: 50 }).toBe(before);
  });
});
