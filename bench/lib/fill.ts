import { buildServeConfig } from '../../src/config/serve-config.js';
import { DEFAULTS } from '../../src/config/serve-flags.js';
import { createRedis } from '../../src/redis/connection.js';
import { parseRedisTarget } from '../../src/redis/target.js';
import { LeaseStore } from '../../src/store/lease-store.js';
import type { Redis } from 'ioredis';
import { hostNames, requestId, WorkloadIds } from './workload.js';

/** A LeaseStore in the harness with exactly the settings the service derives from the same flags. */
export async function harnessStore(
  redisUrl: string,
  o: { pool?: string; categories?: string; reserved?: string; stableRetentionSeconds?: number } = {},
): Promise<{ store: LeaseStore; redis: Redis; reservedLevels: string[] }> {
  const config = buildServeConfig({
    ...DEFAULTS,
    redis: redisUrl,
    pool: o.pool ?? DEFAULTS.pool,
    categories: o.categories ?? DEFAULTS.categories,
    reserved: o.reserved,
  });
  const redis = createRedis(parseRedisTarget(redisUrl), { enableOfflineQueue: true }) as Redis;
  await redis.connect();
  const store = new LeaseStore(redis, {
    name: config.pool,
    sensitivity: config.sensitivity,
    categories: config.categories,
    reserved: config.reserved,
    profile: config.profile,
    stableRetentionSeconds: o.stableRetentionSeconds ?? config.stableRetentionSeconds,
  });
  await store.init();
  const reservedLevels = config.reserved.map((l) => `s${l.sensitivity}:c${l.categories[0]},c${l.categories[1]}`);
  return { store, redis, reservedLevels };
}

export interface FillOptions {
  readonly hosts?: number;
  readonly concurrency?: number;
  /** Give each lease a request id (a UUID) and this TTL. */
  readonly requestIds?: boolean;
  readonly ttlSeconds?: number;
  /** Give each lease a stable key (per host, "app-<n>"). */
  readonly stableKeys?: boolean;
  readonly log?: (msg: string) => void;
  readonly label?: string;
}

/** A count as the log shows it: 12,345. */
const n = (x: number) => x.toLocaleString('en-US');

/**
 * Creates `count` leases through LeaseStore.allocate, `concurrency` calls in
 * flight (ioredis pipelines them on one connection), with realistic ids:
 * 64-hex workload ids spread over host names node-NNN.cluster.example.com.
 * Returns the leased levels and lease ids.
 */
export async function fillStore(store: LeaseStore, count: number, o: FillOptions = {}): Promise<{ levels: string[]; ids: string[] }> {
  const hosts = hostNames(o.hosts ?? 100);
  const ids = new WorkloadIds();
  const levels: string[] = [];
  const leaseIds: string[] = [];
  let next = 0;
  let done = 0;
  const t0 = Date.now();
  let lastLog = t0;
  const concurrency = Math.min(o.concurrency ?? 256, Math.max(1, count));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const { lease } = await store.allocate(
          {
            host: hosts[i % hosts.length]!,
            workloadId: ids.next(),
            ...(o.requestIds ? { requestId: requestId() } : {}),
            ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}),
            ...(o.stableKeys ? { stable: { key: `app-${i}`, scope: 'host' as const, retentionSeconds: 0 } } : {}),
          },
          { timeoutMs: 30_000 },
        );
        levels.push(lease.level);
        leaseIds.push(lease.id);
        done++;
        if (o.log && Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          const rate = done / ((lastLog - t0) / 1000);
          o.log(`${o.label ?? 'fill'}: ${n(done)} / ${n(count)} leases (${n(Math.round(rate))}/s)`);
        }
      }
    }),
  );
  if (o.log && count > 0) {
    const s = (Date.now() - t0) / 1000;
    o.log(`${o.label ?? 'fill'}: ${n(count)} leases in ${s.toFixed(1)} s (${n(Math.round(count / s))}/s)`);
  }
  return { levels, ids: leaseIds };
}
