import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Where the service's Redis is: a redis:// or rediss:// URL, a unix socket
 * path, a Sentinel-managed primary, or a Redis Cluster.
 */
export type RedisTarget =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'socket'; readonly path: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[] };

export function parseRedisTarget(value: string): RedisTarget {
  if (/^rediss?:\/\//.test(value)) return { kind: 'url', url: value };
  if (value.startsWith('unix://')) return { kind: 'socket', path: value.slice('unix://'.length) };
  if (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) return { kind: 'socket', path: value };
  throw new Error(`--redis must be redis://host:port, rediss://host:port or a unix socket path, not ${JSON.stringify(value)}`);
}

/** "host:port,host:port" (IPv6 as [addr]:port). */
export function parseHostPorts(value: string): HostPort[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error('needs at least one host:port');
  return items.map((item) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`${JSON.stringify(item)} is not host:port`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  });
}

export function describeTarget(target: RedisTarget): string {
  switch (target.kind) {
    case 'socket':
      return `unix:${target.path}`;
    case 'sentinel':
      return `sentinel:${target.name}@${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
    case 'cluster':
      return `cluster:${target.nodes.map((s) => `${s.host}:${s.port}`).join(',')}`;
    case 'url': {
      // Never log a password.
      const url = new URL(target.url);
      if (url.password) url.password = '***';
      return url.toString();
    }
  }
}

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
