/**
 * The configuration of `mcs-allocator serve`: the raw option values
 * (serve-flags.ts) checked and turned into settings, every problem a
 * ConfigError naming its flag.
 */
import { readFileSync } from 'node:fs';
import { MAX_SENSITIVITY, parseCategoryRange, type CategoryRange } from '../domain/categories.js';
import { parseSetrans, type Translator } from '../domain/setrans.js';
import type { Level } from '../domain/level.js';
import type { Profile } from '../domain/profile.js';
import { normalizePath } from '../domain/paths.js';
import { parsePolicy, type Policy } from '../domain/authz.js';
import { isValidPoolName } from '../store/keys.js';
import { parseHostPorts, parseRedisTarget, type RedisTarget } from '../redis/target.js';
import { parseFlags } from './flags.js';
import { SERVE_FLAGS, type ServeOptions } from './serve-flags.js';
import {
  ConfigError,
  LOG_LEVELS,
  clusterStableKeyPatterns,
  identifiers,
  list,
  listenAddress,
  loadProfile,
  parseReserved,
  profileSet,
} from './parsers.js';

/** TLS of the gRPC port: certificate, key, and the client CA of mutual TLS. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** Client CA: with it, clients must present a certificate it signed (mutual TLS). */
  readonly clientCa?: string;
}

/**
 * What one peer may hold open on the gRPC port before it has proved
 * anything (see server/listener.ts).
 */
export interface ConnectionLimits {
  /** Open connections in all (0 = no limit). */
  readonly maxConnections: number;
  /** Open connections from one remote address (0 = no limit). */
  readonly maxPerAddress: number;
  /** A connection must have sent its TLS handshake or HTTP/2 preface, and a TLS handshake must finish, within this (ms). */
  readonly handshakeTimeoutMs: number;
}

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

function tlsFiles(o: ServeOptions): TlsFiles | undefined {
  if (!o.tlsCert && !o.tlsKey && !o.tlsClientCa) return undefined;
  if (!o.tlsCert) throw new ConfigError('--tls-cert', 'is required with --tls-key or --tls-client-ca');
  if (!o.tlsKey) throw new ConfigError('--tls-key', 'is required with --tls-cert');
  for (const [option, file] of [
    ['--tls-cert', o.tlsCert],
    ['--tls-key', o.tlsKey],
    ['--tls-client-ca', o.tlsClientCa],
  ] as const) {
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
    throw new ConfigError(
      '--host-quota',
      `must be a number of pairs or a percentage of the pool (e.g. 10%), not ${JSON.stringify(o.hostQuota)}`,
    );
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
  // The flags with a parser of their own (whole numbers), in the table's order.
  const n = parseFlags(SERVE_FLAGS, o);
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
    hostTtlSeconds: n.hostTtl,
    eventRetention: n.eventRetention,
    recoveryWindowSeconds: n.recoveryWindow,
    stableRetentionSeconds: n.stableRetention,
    clusterStableKeys: clusterStableKeyPatterns(o.clusterStableKeys),
    tls,
    authz,
    hostQuota,
    hostStaticQuota: n.hostStaticQuota,
    maxStaticPairs: n.maxStaticPairs,
    maxWatchesPerClient: n.maxWatchesPerClient,
    maxConcurrentReconciles: n.maxConcurrentReconciles,
    connections: {
      maxConnections: n.maxConnections,
      maxPerAddress: n.maxConnectionsPerAddress,
      handshakeTimeoutMs: n.handshakeTimeout * 1000,
    },
    idleTimeoutMs: n.idleTimeout * 1000,
    redisMinReplicas: n.redisMinReplicas,
    redisTls: redisTls(o),
    redisTimeoutMs: n.redisTimeout,
    reapIntervalMs: n.reapInterval,
    shutdownGraceMs: n.shutdownGrace * 1000,
    ...(o.benchNoop ? { benchNoop: true } : {}),
  };
}
