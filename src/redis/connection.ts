import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './target.js';

/**
 * ioredis settings for the service. The offline queue is off, so a call made
 * while Redis is away fails at once (the RPC answers UNAVAILABLE) instead of
 * waiting for a reconnect, and nothing piles up in memory. Commands already
 * sent when a connection drops are resent after reconnecting; the scripts
 * are idempotent for that reason.
 *
 * Auto-pipelining: the commands issued in one turn of the event loop, and
 * those issued while the previous batch is on its way, go out as one write
 * and come back as one read. Each call is still one command (one FCALL),
 * answered on its own; what the calls of a batch share is the system calls
 * and wake-ups around them, which through the service cost Redis more than
 * the operations themselves when every command travelled alone. A call
 * waits at most for the batch ahead of it, and an FCALL alone on the
 * connection is sent at once (store/scripts.ts). A Cluster batches per node.
 */
export const SERVICE_REDIS_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 2,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
};

export function createRedis(target: RedisTarget, extra: RedisOptions = {}): Redis | Cluster {
  const options = { ...SERVICE_REDIS_OPTIONS, ...extra };
  switch (target.kind) {
    case 'url':
      return new Redis(target.url, options);
    case 'socket':
      return new Redis({ ...options, path: target.path });
    case 'sentinel':
      // failoverDetector: follow +switch-master at once instead of waiting for
      // the old primary's connection to break.
      return new Redis({
        ...options,
        sentinels: target.sentinels.map((s) => ({ ...s })),
        name: target.name,
        failoverDetector: true,
        sentinelRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      });
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        redisOptions: { ...options, lazyConnect: false },
        clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
        scaleReads: 'master',
      };
      return new Cluster(
        target.nodes.map((n) => ({ ...n })),
        clusterOptions,
      );
    }
  }
}
