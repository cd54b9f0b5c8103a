/**
 * Where Redis is, as the --redis, --redis-sentinels and --redis-cluster
 * flags say it: parsing and describing only, no client, so the
 * configuration can be read without loading ioredis (connection.ts opens it).
 */
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
