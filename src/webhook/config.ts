/**
 * Flags of `mcs-allocator webhook`, after validation. The store flags are
 * those of `serve` and go through the same rules (buildServeConfig).
 */
import { buildServeConfig, ConfigError, DEFAULTS, type ServeConfig, type ServeOptions } from '../config.js';
import { isIdentifier } from '../domain/context.js';
import { NO_OPTIONS, OptionError, resolveLabelOptions, type OptionsPolicy } from '../domain/options.js';
import type { LabelPrefixes } from '../store/lease-store.js';
import { SHARING_POLICIES, type ConflictPolicy, type SharingPolicy, type WebhookPolicy } from './decide.js';

export const WEBHOOK_DEFAULTS = {
  listen: '0.0.0.0:8443',
  host: 'kubernetes',
  policyDefault: 'pod',
  excludeNamespaces: 'kube-system,kube-public,kube-node-lease',
  onConflict: 'deny',
  pendingTtl: '600',
  clusterHostTtl: '86400',
  heartbeatInterval: '30',
  // The cluster host holds the lease of every pod: no per-host cap by default.
  hostQuota: '0',
} as const;

export interface WebhookFlags extends Partial<ServeOptions> {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  host: string;
  policyDefault: string;
  namespacePolicy?: string;
  excludeNamespaces: string;
  onConflict: string;
  selinuxUser?: string;
  selinuxRole?: string;
  selinuxType?: string;
  pendingTtl: string;
  clusterHostTtl: string;
  heartbeatInterval: string;
}

export interface WebhookConfig {
  readonly store: ServeConfig;
  readonly listen: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
  readonly host: string;
  readonly policy: WebhookPolicy;
  readonly optionsPolicy: OptionsPolicy;
  readonly prefixes: LabelPrefixes;
  readonly pendingTtlSeconds: number;
  readonly clusterHostTtlSeconds: number;
  readonly heartbeatIntervalMs: number;
}

function whole(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ConfigError(option, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

function sharing(option: string, value: string): SharingPolicy {
  if (!(SHARING_POLICIES as readonly string[]).includes(value)) throw new ConfigError(option, `must be pod, namespace or none, not ${JSON.stringify(value)}`);
  return value as SharingPolicy;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `ns=policy` items, comma- or space-separated. */
export function parseNamespacePolicies(value: string | undefined): Map<string, SharingPolicy> {
  const out = new Map<string, SharingPolicy>();
  for (const item of (value ?? '').split(/[,\s]+/).filter(Boolean)) {
    const m = /^([^=]+)=([^=]+)$/.exec(item);
    if (!m || !NAMESPACE.test(m[1]!)) throw new ConfigError('--namespace-policy', `${JSON.stringify(item)} is not namespace=policy`);
    out.set(m[1]!, sharing('--namespace-policy', m[2]!));
  }
  return out;
}

export function buildWebhookConfig(f: WebhookFlags, env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  if (!f.tlsCert || !f.tlsKey) throw new ConfigError(f.tlsCert ? '--tls-key' : '--tls-cert', 'is required: the apiserver calls webhooks over HTTPS only');
  if (!f.redis && !f.redisSentinels && !f.redisCluster) throw new ConfigError('--redis', 'is required (or --redis-sentinels, --redis-cluster): the webhook shares the service\'s Redis');
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.test(f.listen) || Number(f.listen.replace(/^.*:/, '')) > 65535) {
    throw new ConfigError('--listen', `must be host:port, not ${JSON.stringify(f.listen)}`);
  }
  const serve: ServeOptions = {
    ...(Object.fromEntries(Object.entries(DEFAULTS)) as unknown as ServeOptions),
    hostQuota: WEBHOOK_DEFAULTS.hostQuota,
    ...(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Partial<ServeOptions>),
    // The TLS of the HTTPS port is the webhook's own (checked above), not the gRPC port's.
    listen: DEFAULTS.listen,
    tlsCert: undefined,
    tlsKey: undefined,
    tlsClientCa: undefined,
    authz: undefined,
    metricsListen: 'none',
  };
  const store = buildServeConfig(serve);
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/.test(f.host)) {
    throw new ConfigError('--host', 'must be a host name as the service takes them (letters, digits, ".", "-", "_")');
  }
  const excluded = new Set((f.excludeNamespaces ?? '').split(/[,\s]+/).filter(Boolean));
  for (const ns of excluded) if (!NAMESPACE.test(ns)) throw new ConfigError('--exclude-namespaces', `${JSON.stringify(ns)} is not a namespace name`);
  // Its own namespace (the downward API's POD_NAMESPACE): the webhook never waits for itself.
  if (env.POD_NAMESPACE && NAMESPACE.test(env.POD_NAMESPACE)) excluded.add(env.POD_NAMESPACE);
  if (f.onConflict !== 'deny' && f.onConflict !== 'recursive') throw new ConfigError('--on-conflict', `must be deny or recursive, not ${JSON.stringify(f.onConflict)}`);
  const selinux: { user?: string; role?: string; type?: string } = {};
  for (const [k, option, v] of [['user', '--selinux-user', f.selinuxUser], ['role', '--selinux-role', f.selinuxRole], ['type', '--selinux-type', f.selinuxType]] as const) {
    if (v === undefined || v === '') continue;
    if (!isIdentifier(v)) throw new ConfigError(option, `${JSON.stringify(v)} is not an SELinux identifier`);
    selinux[k] = v;
  }
  const optionsPolicy: OptionsPolicy = {
    profiles: store.profiles,
    defaultProfile: store.profile,
    allowedTypes: new Set(store.allowedTypes),
    allowedFileTypes: new Set(store.allowedFileTypes),
    privilegedType: store.privilegedType,
    sensitivity: Number(store.sensitivity.slice(1)),
    categories: store.categories,
    ...(store.translator ? { translator: store.translator } : {}),
  };
  let prefixes: LabelPrefixes;
  try {
    const resolved = resolveLabelOptions({ ...NO_OPTIONS, user: selinux.user ?? '', role: selinux.role ?? '', type: selinux.type ?? '' }, optionsPolicy);
    prefixes = resolved.prefixes;
  } catch (err) {
    if (err instanceof OptionError) throw new ConfigError(`--selinux-${err.field.replace('options.', '')}`, err.rule);
    throw err;
  }
  return {
    store,
    listen: f.listen,
    certFile: f.tlsCert,
    keyFile: f.tlsKey,
    clientCaFile: f.tlsClientCa || undefined,
    host: f.host,
    policy: {
      defaultPolicy: sharing('--policy-default', f.policyDefault),
      namespaces: parseNamespacePolicies(f.namespacePolicy),
      excluded,
      onConflict: f.onConflict as ConflictPolicy,
      selinux,
    },
    optionsPolicy,
    prefixes,
    pendingTtlSeconds: whole('--pending-ttl', f.pendingTtl, 30, 7 * 24 * 3600),
    clusterHostTtlSeconds: whole('--cluster-host-ttl', f.clusterHostTtl, 60, 365 * 24 * 3600),
    heartbeatIntervalMs: whole('--heartbeat-interval', f.heartbeatInterval, 1, 3600) * 1000,
  };
}
