/**
 * Flags of `mcs-allocator webhook`, after validation. The store flags are
 * those of `serve` and go through the same rules (buildServeConfig).
 */
import {
  buildServeConfig,
  ConfigError,
  DEFAULTS,
  LOG_FLAGS,
  SERVE_FLAGS,
  STORE_FLAGS,
  type ServeConfig,
  type ServeOptions,
} from '../config.js';
import { defaultsOf, pick, type FlagDefaults, type FlagOverrides, type FlagSpec, type FlagValues } from '../config/flags.js';
import { isIdentifier } from '../domain/context.js';
import { NO_OPTIONS, OptionError, resolveLabelOptions, type OptionsPolicy } from '../domain/options.js';
import type { LabelPrefixes } from '../store/lease-store.js';
import { SHARING_POLICIES, type SharingPolicy, type WebhookPolicy } from './decide.js';

/**
 * The webhook's own flags, one row each (see config/flags.ts): the commander
 * options, WEBHOOK_DEFAULTS and WebhookFlags come from this table, and
 * test/unit/config-flags.test.ts checks it against the README's table.
 */
export const WEBHOOK_FLAGS = [
  { key: 'listen', flag: '--listen', arg: '<addr>', env: 'MCS_WEBHOOK_LISTEN', default: '0.0.0.0:8443', help: 'HTTPS address host:port' },
  {
    key: 'tlsCert',
    flag: '--tls-cert',
    arg: '<file>',
    env: 'MCS_WEBHOOK_TLS_CERT',
    help: 'PEM certificate of the HTTPS port (reloaded when it changes)',
  },
  { key: 'tlsKey', flag: '--tls-key', arg: '<file>', env: 'MCS_WEBHOOK_TLS_KEY', help: 'PEM private key of --tls-cert' },
  {
    key: 'tlsClientCa',
    flag: '--tls-client-ca',
    arg: '<file>',
    env: 'MCS_WEBHOOK_TLS_CLIENT_CA',
    help: "admissions need a client certificate this CA signed (the apiserver's); /healthz and /metrics do not",
  },
  {
    key: 'host',
    flag: '--host',
    arg: '<name>',
    env: 'MCS_WEBHOOK_HOST',
    default: 'kubernetes',
    help: 'the cluster host every pod lease is held on',
  },
  {
    key: 'policyDefault',
    flag: '--policy-default',
    arg: '<policy>',
    env: 'MCS_WEBHOOK_POLICY_DEFAULT',
    default: 'pod',
    help: 'sharing policy: pod (a level per pod, pods mounting one claim share), namespace (a level per namespace), none',
  },
  {
    key: 'namespacePolicy',
    flag: '--namespace-policy',
    arg: '<ns=policy,...>',
    env: 'MCS_WEBHOOK_NAMESPACE_POLICY',
    help: 'sharing policies of single namespaces',
  },
  {
    key: 'excludeNamespaces',
    flag: '--exclude-namespaces',
    arg: '<ns,...>',
    env: 'MCS_WEBHOOK_EXCLUDE_NAMESPACES',
    default: 'kube-system,kube-public,kube-node-lease',
    help: "namespaces left alone (the webhook's own, $POD_NAMESPACE, is always)",
  },
  {
    key: 'onConflict',
    flag: '--on-conflict',
    arg: '<deny|recursive>',
    env: 'MCS_WEBHOOK_ON_CONFLICT',
    default: 'deny',
    help: 'a pod whose claims are held at different levels: refused, or its own level with seLinuxChangePolicy Recursive',
  },
  {
    key: 'selinuxUser',
    flag: '--selinux-user',
    arg: '<user>',
    env: 'MCS_WEBHOOK_SELINUX_USER',
    help: 'seLinuxOptions.user written into pods that set none',
  },
  {
    key: 'selinuxRole',
    flag: '--selinux-role',
    arg: '<role>',
    env: 'MCS_WEBHOOK_SELINUX_ROLE',
    help: 'seLinuxOptions.role written into pods that set none',
  },
  {
    key: 'selinuxType',
    flag: '--selinux-type',
    arg: '<type>',
    env: 'MCS_WEBHOOK_SELINUX_TYPE',
    help: 'seLinuxOptions.type written into pods that set none (on --allowed-types)',
  },
  {
    key: 'pendingTtl',
    flag: '--pending-ttl',
    arg: '<seconds>',
    env: 'MCS_WEBHOOK_PENDING_TTL',
    default: '600',
    help: 'TTL of a lease at admission; the host agent renews it while the pod runs',
  },
  {
    key: 'clusterHostTtl',
    flag: '--cluster-host-ttl',
    arg: '<seconds>',
    env: 'MCS_WEBHOOK_CLUSTER_HOST_TTL',
    default: '86400',
    help: 'with --host-ttl: how long the cluster host lives after the last webhook heartbeat',
  },
  {
    key: 'heartbeatInterval',
    flag: '--heartbeat-interval',
    arg: '<seconds>',
    env: 'MCS_WEBHOOK_HEARTBEAT_INTERVAL',
    default: '30',
    help: 'how often the webhook heartbeats its cluster host',
  },
] as const satisfies readonly FlagSpec[];

type Spec = (typeof WEBHOOK_FLAGS)[number];

export const WEBHOOK_DEFAULTS = Object.freeze({
  ...defaultsOf(WEBHOOK_FLAGS),
  // The cluster host holds the lease of every pod: no per-host cap by default.
  hostQuota: '0',
}) as FlagDefaults<Spec> & { readonly hostQuota: '0' };

/** serve's store, shutdown and log flags, told as the webhook uses them. */
export const WEBHOOK_SHARED_FLAGS = [...STORE_FLAGS, ...pick(SERVE_FLAGS, ['shutdownGrace']), ...LOG_FLAGS];
export const WEBHOOK_SHARED_OVERRIDES: FlagOverrides = {
  redis: { help: 'redis://, rediss:// or a unix socket path (required, or Sentinels, or Cluster)' },
  hostQuota: { help: 'pairs the cluster host may hold (0 = no limit)', default: WEBHOOK_DEFAULTS.hostQuota },
  allowedTypes: { help: 'process types --selinux-type may name' },
  shutdownGrace: { help: 'time in-flight admissions get on SIGTERM' },
};

/** Raw option values: the webhook's own flags and serve's store, shutdown and log flags. */
export type WebhookFlags = Partial<ServeOptions> & FlagValues<Spec>;

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
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new ConfigError(option, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

function sharing(option: string, value: string): SharingPolicy {
  if (!(SHARING_POLICIES as readonly string[]).includes(value))
    throw new ConfigError(option, `must be pod, namespace or none, not ${JSON.stringify(value)}`);
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
  if (!f.tlsCert || !f.tlsKey)
    throw new ConfigError(f.tlsCert ? '--tls-key' : '--tls-cert', 'is required: the apiserver calls webhooks over HTTPS only');
  if (!f.redis && !f.redisSentinels && !f.redisCluster)
    throw new ConfigError('--redis', "is required (or --redis-sentinels, --redis-cluster): the webhook shares the service's Redis");
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
  for (const ns of excluded)
    if (!NAMESPACE.test(ns)) throw new ConfigError('--exclude-namespaces', `${JSON.stringify(ns)} is not a namespace name`);
  // Its own namespace (the downward API's POD_NAMESPACE): the webhook never waits for itself.
  if (env.POD_NAMESPACE && NAMESPACE.test(env.POD_NAMESPACE)) excluded.add(env.POD_NAMESPACE);
  if (f.onConflict !== 'deny' && f.onConflict !== 'recursive')
    throw new ConfigError('--on-conflict', `must be deny or recursive, not ${JSON.stringify(f.onConflict)}`);
  const selinux: { user?: string; role?: string; type?: string } = {};
  for (const [k, option, v] of [
    ['user', '--selinux-user', f.selinuxUser],
    ['role', '--selinux-role', f.selinuxRole],
    ['type', '--selinux-type', f.selinuxType],
  ] as const) {
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
    const resolved = resolveLabelOptions(
      { ...NO_OPTIONS, user: selinux.user ?? '', role: selinux.role ?? '', type: selinux.type ?? '' },
      optionsPolicy,
    );
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
      onConflict: f.onConflict,
      selinux,
    },
    optionsPolicy,
    prefixes,
    pendingTtlSeconds: whole('--pending-ttl', f.pendingTtl, 30, 7 * 24 * 3600),
    clusterHostTtlSeconds: whole('--cluster-host-ttl', f.clusterHostTtl, 60, 365 * 24 * 3600),
    heartbeatIntervalMs: whole('--heartbeat-interval', f.heartbeatInterval, 1, 3600) * 1000,
  };
}
