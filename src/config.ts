import { readFileSync } from 'node:fs';
import { MAX_SENSITIVITY, parseCategoryRange, type CategoryRange, formatCategoryRange } from './domain/categories.js';
import { parseSetrans, type Translator } from './domain/setrans.js';
import { formatLevel, parseLevel, categoriesWithin, type Level } from './domain/level.js';
import { builtinProfile, parseContextsFile, type Profile } from './domain/profile.js';
import { LabelSyntaxError } from './domain/errors.js';
import { isIdentifier } from './domain/context.js';
import { normalizePath } from './domain/paths.js';
import { parsePolicy, type Policy } from './server/authz.js';
import type { TlsFiles } from './server/tls.js';
import type { ConnectionLimits } from './server/listener.js';
import { isValidPoolName } from './store/keys.js';
import { parseHostPorts, parseRedisTarget, type RedisTarget } from './redis/connection.js';

/** Settings of `mcs-allocator serve`, after validation. */
export interface ServeConfig {
  readonly listen: string;
  /** Undefined: start the embedded redis-server in dataDir. */
  readonly redis: RedisTarget | undefined;
  readonly dataDir: string;
  readonly pool: string;
  readonly sensitivity: string;
  /** Level names from --setrans; undefined without. */
  readonly translator: Translator | undefined;
  readonly categories: CategoryRange;
  readonly profile: Profile;
  readonly reserved: readonly Level[];
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
  /** host:port of GET /metrics, or undefined when disabled ("none"). */
  readonly metricsListen: string | undefined;
  /** Profiles a request may name in options.profile: the built-in ones and --profile. */
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Process types options.type may name. */
  readonly allowedTypes: readonly string[];
  /** Mount label types options.filetype may name. */
  readonly allowedFileTypes: readonly string[];
  /** Process type of a disabled label (options.disable). */
  readonly privilegedType: string;
  /** Home directories (exact paths) whose relabelling is refused, beyond /root and /home/<user>. */
  readonly homeDirs: readonly string[];
  /** Seconds a host stays alive after a heartbeat; its leases are reclaimed after that (0 = never). */
  readonly hostTtlSeconds: number;
  /** Lease events kept in the pool's stream, about (0 = none). */
  readonly eventRetention: number;
  /** Seconds new leases wait, after the pool was created again, for hosts to report what they run (0 = never). */
  readonly recoveryWindowSeconds: number;
  /** The longest a pair is held for its stable key after the lease ended (seconds; 0 = stable keys hold nothing). */
  readonly stableRetentionSeconds: number;
  /** Patterns of stable keys that are cluster-wide (`*` wildcards). */
  readonly clusterStableKeys: readonly string[];
  /** TLS on the gRPC port; undefined = plaintext. */
  readonly tls: TlsFiles | undefined;
  /** Authorization policy (--authz); undefined = none. */
  readonly authz: Policy | undefined;
  /** Pairs one host may hold: a number, or a fraction of the pool ("10%"); 0 = no limit. */
  readonly hostQuota: { readonly count: number } | { readonly percent: number };
  /** Wide static levels (one, or three or more categories) one host may hold; 0 = no limit. */
  readonly hostStaticQuota: number;
  /** Most pairs one static level may cover; 0 = no limit. */
  readonly maxStaticPairs: number;
  /** WatchLeases streams one client identity (or address) may hold open at once. */
  readonly maxWatchesPerClient: number;
  /** Reconcile calls that run at once; the others wait (within their deadline). */
  readonly maxConcurrentReconciles: number;
  /** What connections to the gRPC port may hold before they carry calls. */
  readonly connections: ConnectionLimits;
  /** A connection without calls for this long is closed (ms). */
  readonly idleTimeoutMs: number;
  /** Replica acknowledgements each mutation waits for (WAIT), 0 = none. */
  readonly redisMinReplicas: number;
  /** TLS material for Redis connections (rediss://, and Sentinel or Cluster nodes when given). */
  readonly redisTls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer } | undefined;
  readonly redisTimeoutMs: number;
  readonly reapIntervalMs: number;
  readonly shutdownGraceMs: number;
  /** Hidden, benchmark only: also serve mcs.bench.v1.Bench (see src/server/bench-service.ts). */
  readonly benchNoop?: boolean;
}

/** Raw option values as the command line (or its environment variables) gave them. */
export interface ServeOptions {
  listen: string;
  redis?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsClientCa?: string | undefined;
  authz?: string | undefined;
  hostQuota: string;
  hostStaticQuota: string;
  maxStaticPairs: string;
  maxWatchesPerClient: string;
  maxConcurrentReconciles: string;
  maxConnections: string;
  maxConnectionsPerAddress: string;
  handshakeTimeout: string;
  idleTimeout: string;
  redisSentinels?: string | undefined;
  redisTlsCa?: string | undefined;
  redisTlsCert?: string | undefined;
  redisTlsKey?: string | undefined;
  redisMasterName?: string | undefined;
  redisCluster?: string | undefined;
  redisMinReplicas: string;
  dataDir: string;
  pool: string;
  categories: string;
  sensitivity: string;
  setrans?: string | undefined;
  profile: string;
  reserved?: string | undefined;
  logLevel: string;
  logFormat: string;
  metricsListen: string;
  allowedTypes?: string | undefined;
  allowedFileTypes?: string | undefined;
  privilegedType: string;
  homeDirs?: string | undefined;
  hostTtl: string;
  eventRetention: string;
  recoveryWindow: string;
  stableRetention: string;
  clusterStableKeys?: string | undefined;
  redisTimeout: string;
  reapInterval: string;
  shutdownGrace: string;
  /** Hidden `--bench-noop` / MCS_BENCH_NOOP. */
  benchNoop?: boolean | undefined;
}

export const DEFAULTS = {
  listen: '127.0.0.1:50051',
  dataDir: './.mcs-data',
  pool: 'default',
  categories: 'c0.c1023',
  sensitivity: 's0',
  profile: 'container',
  reserved: 's0:c1022,c1023',
  logLevel: 'info',
  logFormat: 'json',
  metricsListen: '127.0.0.1:9464',
  privilegedType: 'spc_t',
  redisMinReplicas: '0',
  hostQuota: '10%',
  hostStaticQuota: '64',
  maxStaticPairs: '1024',
  maxWatchesPerClient: '8',
  maxConcurrentReconciles: '2',
  maxConnections: '4096',
  maxConnectionsPerAddress: '256',
  handshakeTimeout: '10',
  idleTimeout: '300',
  hostTtl: '0',
  eventRetention: '6000',
  recoveryWindow: '60',
  stableRetention: '86400',
  redisTimeout: '2000',
  reapInterval: '1000',
  shutdownGrace: '10',
} as const;

export class ConfigError extends Error {
  constructor(option: string, rule: string) {
    super(`${option}: ${rule}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ConfigError(option, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

function listenAddress(value: string): string {
  // host:port, [v6]:port, or unix:/path (grpc-js address syntax).
  if (value.startsWith('unix:')) return value;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new ConfigError('--listen', `must be host:port or unix:/path, not ${JSON.stringify(value)}`);
  return value;
}

export function loadProfile(value: string): Profile {
  const builtin = builtinProfile(value);
  if (builtin) return builtin;
  if (!value.includes('/')) throw new ConfigError('--profile', `must be "container", "svirt" or a contexts file path, not ${JSON.stringify(value)}`);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError('--profile', `cannot read ${value}: ${(err as Error).message}`);
  }
  try {
    return parseContextsFile(text, value);
  } catch (err) {
    throw new ConfigError('--profile', `${value}: ${(err as Error).message}`);
  }
}

/**
 * Reserved pairs: levels separated by ";" or whitespace, "none" for none.
 * The default pair (go-selinux's mount label for privileged containers) is
 * simply not applied to a pool whose range does not contain it; a pair the
 * operator names explicitly must lie inside the pool.
 */
export function parseReserved(value: string | undefined, categories: CategoryRange, sensitivity: string): Level[] {
  const explicit = value !== undefined;
  const text = value ?? DEFAULTS.reserved;
  if (text.trim() === '' || text.trim() === 'none') return [];
  const out = new Map<string, Level>();
  for (const item of text.split(/[;\s]+/).filter(Boolean)) {
    let level: Level;
    try {
      level = parseLevel(item);
    } catch (err) {
      throw new ConfigError('--reserved', `${item}: ${(err as LabelSyntaxError).message}`);
    }
    if (level.categories.length !== 2) throw new ConfigError('--reserved', `${item} is not a pair of two categories`);
    if (`s${level.sensitivity}` !== sensitivity) {
      // The default pair is go-selinux's, at s0: other sensitivities simply do without it.
      if (!explicit) continue;
      throw new ConfigError('--reserved', `${item} is not at the pool's sensitivity ${sensitivity}`);
    }
    if (!categoriesWithin(level, categories)) {
      if (!explicit) continue;
      throw new ConfigError('--reserved', `${item} is outside the pool's categories ${formatCategoryRange(categories)}`);
    }
    out.set(formatLevel(level), level);
  }
  return [...out.values()];
}

function clusterStableKeyPatterns(value: string | undefined): string[] {
  const patterns = list(value) ?? [];
  for (const p of patterns) {
    if (!/^[\x21-\x7e]{1,256}$/.test(p)) throw new ConfigError('--cluster-stable-keys', `${JSON.stringify(p)} is not a key pattern (printable ASCII, * for any run)`);
  }
  return patterns;
}

function tlsFiles(o: ServeOptions): TlsFiles | undefined {
  if (!o.tlsCert && !o.tlsKey && !o.tlsClientCa) return undefined;
  if (!o.tlsCert) throw new ConfigError('--tls-cert', 'is required with --tls-key or --tls-client-ca');
  if (!o.tlsKey) throw new ConfigError('--tls-key', 'is required with --tls-cert');
  for (const [option, file] of [['--tls-cert', o.tlsCert], ['--tls-key', o.tlsKey], ['--tls-client-ca', o.tlsClientCa]] as const) {
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (err) {
      throw new ConfigError(option, `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return { cert: o.tlsCert, key: o.tlsKey, ...(o.tlsClientCa ? { clientCa: o.tlsClientCa } : {}) };
}

function redisTls(o: ServeOptions): ServeConfig['redisTls'] {
  if (!o.redisTlsCa && !o.redisTlsCert && !o.redisTlsKey) return undefined;
  if (!!o.redisTlsCert !== !!o.redisTlsKey) {
    throw new ConfigError(o.redisTlsCert ? '--redis-tls-key' : '--redis-tls-cert', 'is required with the other');
  }
  const read = (option: string, file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(option, `cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const ca = read('--redis-tls-ca', o.redisTlsCa);
  const cert = read('--redis-tls-cert', o.redisTlsCert);
  const key = read('--redis-tls-key', o.redisTlsKey);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** The quota of one host in pairs (0 = none) for a pool of `total` pairs. */
export function hostQuotaPairs(quota: ServeConfig['hostQuota'], total: number): number {
  if ('count' in quota) return quota.count;
  if (quota.percent === 0) return 0;
  return Math.max(1, Math.floor((total * quota.percent) / 100));
}

/** A list option: items separated by commas or whitespace. */
function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(/[,\s]+/).filter(Boolean);
}

function identifiers(option: string, items: readonly string[]): string[] {
  for (const item of items) {
    if (!isIdentifier(item)) throw new ConfigError(option, `${JSON.stringify(item)} is not an SELinux type name`);
  }
  return [...new Set(items)];
}

/**
 * The profiles a request may name: the built-in ones and the server's own.
 * Default allowlists come from them: every process type a profile names
 * (never spc_t), and every file type.
 */
function profileSet(main: Profile): Map<string, Profile> {
  const out = new Map<string, Profile>();
  for (const name of ['container', 'svirt']) out.set(name, builtinProfile(name)!);
  out.set(main.name, main);
  return out;
}

export function buildServeConfig(o: ServeOptions): ServeConfig {
  if (!isValidPoolName(o.pool)) throw new ConfigError('--pool', 'must be 1-64 letters, digits, "-" or "_"');
  let categories: CategoryRange;
  try {
    categories = parseCategoryRange(o.categories);
  } catch (err) {
    throw new ConfigError('--categories', (err as Error).message);
  }
  if (!LOG_LEVELS.includes(o.logLevel)) throw new ConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  if (o.logFormat !== 'json' && o.logFormat !== 'pretty') throw new ConfigError('--log-format', 'must be json or pretty');
  let metricsListen: string | undefined;
  if (o.metricsListen !== 'none' && o.metricsListen !== '') {
    if (o.metricsListen.startsWith('unix:')) throw new ConfigError('--metrics-listen', 'must be host:port (or "none")');
    try {
      metricsListen = listenAddress(o.metricsListen);
    } catch {
      throw new ConfigError('--metrics-listen', `must be host:port or "none", not ${JSON.stringify(o.metricsListen)}`);
    }
  }
  let redis: RedisTarget | undefined;
  const given = [
    ['--redis', o.redis],
    ['--redis-sentinels', o.redisSentinels],
    ['--redis-cluster', o.redisCluster],
  ].filter(([, v]) => v !== undefined && v !== '');
  if (given.length > 1) throw new ConfigError(given[1]![0]!, `cannot be combined with ${given[0]![0]}`);
  if (o.redisSentinels) {
    if (!o.redisMasterName) throw new ConfigError('--redis-master-name', 'is required with --redis-sentinels');
    try {
      redis = { kind: 'sentinel', sentinels: parseHostPorts(o.redisSentinels), name: o.redisMasterName };
    } catch (err) {
      throw new ConfigError('--redis-sentinels', (err as Error).message);
    }
  } else if (o.redisCluster) {
    try {
      redis = { kind: 'cluster', nodes: parseHostPorts(o.redisCluster) };
    } catch (err) {
      throw new ConfigError('--redis-cluster', (err as Error).message);
    }
  } else if (o.redis !== undefined && o.redis !== '') {
    try {
      redis = parseRedisTarget(o.redis);
    } catch (err) {
      throw new ConfigError('--redis', (err as Error).message.replace(/^--redis must/, 'must'));
    }
  }
  if (!/^s(0|[1-9]\d{0,3})$/.test(o.sensitivity) || Number(o.sensitivity.slice(1)) > MAX_SENSITIVITY) {
    throw new ConfigError('--sensitivity', `must be s0 to s${MAX_SENSITIVITY}, not ${JSON.stringify(o.sensitivity)}`);
  }
  const sensitivity = o.sensitivity;
  let translator: Translator | undefined;
  if (o.setrans) {
    try {
      translator = parseSetrans(o.setrans, (path) => readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ConfigError('--setrans', (err as Error).message);
    }
  }
  const tls = tlsFiles(o);
  let authz: Policy | undefined;
  if (o.authz) {
    if (!tls?.clientCa) throw new ConfigError('--authz', 'needs --tls-client-ca: identities come from client certificates');
    let text: string;
    try {
      text = readFileSync(o.authz, 'utf8');
    } catch (err) {
      throw new ConfigError('--authz', `cannot read ${o.authz}: ${(err as Error).message}`);
    }
    try {
      authz = parsePolicy(text, o.authz);
    } catch (err) {
      throw new ConfigError('--authz', (err as Error).message);
    }
  }
  const quota = /^(\d{1,9})(%?)$/.exec(o.hostQuota);
  if (!quota || (quota[2] === '%' && Number(quota[1]) > 100)) {
    throw new ConfigError('--host-quota', `must be a number of pairs or a percentage of the pool (e.g. 10%), not ${JSON.stringify(o.hostQuota)}`);
  }
  const hostQuota = quota[2] === '%' ? { percent: Number(quota[1]) } : { count: Number(quota[1]) };
  const profile = loadProfile(o.profile);
  const profiles = profileSet(profile);
  const known = [...profiles.values()];
  const allowedTypes = identifiers('--allowed-types', list(o.allowedTypes) ?? known.flatMap((p) => p.processTypes));
  const allowedFileTypes = identifiers(
    '--allowed-file-types',
    list(o.allowedFileTypes) ?? known.flatMap((p) => [p.file.type, p.roFile.type]),
  );
  const [privilegedType] = identifiers('--privileged-type', [o.privilegedType]);
  const homeDirs = (list(o.homeDirs?.replace(/:/g, ',')) ?? []).map((dir) => {
    try {
      return normalizePath(dir);
    } catch (err) {
      throw new ConfigError('--home-dirs', `${dir}: ${(err as Error).message}`);
    }
  });
  return {
    listen: listenAddress(o.listen),
    redis,
    dataDir: o.dataDir,
    pool: o.pool,
    sensitivity,
    translator,
    categories,
    profile,
    profiles,
    allowedTypes,
    allowedFileTypes,
    privilegedType: privilegedType!,
    homeDirs,
    reserved: parseReserved(o.reserved, categories, sensitivity),
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    metricsListen,
    hostTtlSeconds: integer('--host-ttl', o.hostTtl, 0, 30 * 24 * 3600),
    eventRetention: integer('--event-retention', o.eventRetention, 0, 100_000_000),
    recoveryWindowSeconds: integer('--recovery-window', o.recoveryWindow, 0, 24 * 3600),
    stableRetentionSeconds: integer('--stable-retention', o.stableRetention, 0, 365 * 24 * 3600),
    clusterStableKeys: clusterStableKeyPatterns(o.clusterStableKeys),
    tls,
    authz,
    hostQuota,
    hostStaticQuota: integer('--host-static-quota', o.hostStaticQuota, 0, 1_000_000),
    maxStaticPairs: integer('--max-static-pairs', o.maxStaticPairs, 0, 600_000),
    maxWatchesPerClient: integer('--max-watches-per-client', o.maxWatchesPerClient, 1, 10_000),
    maxConcurrentReconciles: integer('--max-concurrent-reconciles', o.maxConcurrentReconciles, 1, 1000),
    connections: {
      maxConnections: integer('--max-connections', o.maxConnections, 0, 1_000_000),
      maxPerAddress: integer('--max-connections-per-address', o.maxConnectionsPerAddress, 0, 1_000_000),
      handshakeTimeoutMs: integer('--handshake-timeout', o.handshakeTimeout, 1, 3600) * 1000,
    },
    idleTimeoutMs: integer('--idle-timeout', o.idleTimeout, 1, 30 * 24 * 3600) * 1000,
    redisMinReplicas: integer('--redis-min-replicas', o.redisMinReplicas, 0, 16),
    redisTls: redisTls(o),
    redisTimeoutMs: integer('--redis-timeout', o.redisTimeout, 10, 60_000),
    reapIntervalMs: integer('--reap-interval', o.reapInterval, 10, 3_600_000),
    shutdownGraceMs: integer('--shutdown-grace', o.shutdownGrace, 0, 3600) * 1000,
    ...(o.benchNoop ? { benchNoop: true } : {}),
  };
}
