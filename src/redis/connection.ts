import { Redis, type RedisOptions } from 'ioredis';

/** Where the service's Redis is: a redis:// or rediss:// URL, or a unix socket path. */
export type RedisTarget = { readonly kind: 'url'; readonly url: string } | { readonly kind: 'socket'; readonly path: string };

export function parseRedisTarget(value: string): RedisTarget {
  if (/^rediss?:\/\//.test(value)) return { kind: 'url', url: value };
  if (value.startsWith('unix://')) return { kind: 'socket', path: value.slice('unix://'.length) };
  if (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) return { kind: 'socket', path: value };
  throw new Error(`--redis must be redis://host:port, rediss://host:port or a unix socket path, not ${JSON.stringify(value)}`);
}

export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'socket') return `unix:${target.path}`;
  // Never log a password.
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return url.toString();
}

/**
 * ioredis settings for the service. The offline queue is off, so a call made
 * while Redis is away fails at once (the RPC answers UNAVAILABLE) instead of
 * waiting for a reconnect. Commands already sent when a connection drops are
 * resent after reconnecting; the scripts are idempotent for that reason.
 */
export const SERVICE_REDIS_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 2,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
};

export function createRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const options = { ...SERVICE_REDIS_OPTIONS, ...extra };
  return target.kind === 'url' ? new Redis(target.url, options) : new Redis({ ...options, path: target.path });
}
