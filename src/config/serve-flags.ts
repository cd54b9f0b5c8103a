/**
 * The flags of `mcs-allocator serve`, one row each: the commander options,
 * their environment variables, the defaults (DEFAULTS) and the raw option
 * values (ServeOptions) all come from this table, and
 * test/unit/config-flags.test.ts checks it against the README's
 * Configuration table. Rows are in the order `serve --help` lists them.
 *
 * A flag whose value means something on its own has its parser here
 * (whole numbers: their range); buildServeConfig (serve-config.ts) turns
 * the parsed values into settings and checks the flags that depend on
 * each other.
 *
 * Adding a flag: a row here, its row in the README's Configuration table,
 * and what it means in buildServeConfig.
 */
import type { FlagSpec, FlagValues } from './flags.js';
import { LOG_FLAGS } from './log-flags.js';

export { LOG_FLAGS };
import { defaultsOf, pick } from './flags.js';
import { RESERVED_DEFAULT, wholeNumber } from './parsers.js';

export const SERVE_FLAGS = [
  {
    key: 'listen',
    flag: '--listen',
    arg: '<addr>',
    env: 'MCS_LISTEN',
    default: '127.0.0.1:50051',
    help: 'gRPC address, host:port or unix:/path',
  },
  {
    key: 'redis',
    flag: '--redis',
    arg: '<url>',
    env: 'MCS_REDIS_URL',
    help: 'redis://, rediss:// or a unix socket path; without it an embedded redis-server is started',
  },
  { key: 'tlsCert', flag: '--tls-cert', arg: '<file>', env: 'MCS_TLS_CERT', help: 'PEM certificate of the gRPC port (turns TLS on)' },
  { key: 'tlsKey', flag: '--tls-key', arg: '<file>', env: 'MCS_TLS_KEY', help: 'PEM private key of --tls-cert' },
  {
    key: 'tlsClientCa',
    flag: '--tls-client-ca',
    arg: '<file>',
    env: 'MCS_TLS_CLIENT_CA',
    help: 'CA whose certificates clients must present (mutual TLS)',
  },
  {
    key: 'authz',
    flag: '--authz',
    arg: '<file>',
    env: 'MCS_AUTHZ',
    help: 'authorization policy (YAML or JSON): identities to roles and hosts',
  },
  {
    key: 'hostQuota',
    flag: '--host-quota',
    arg: '<n|p%>',
    env: 'MCS_HOST_QUOTA',
    default: '10%',
    help: 'pairs one host may hold, or a percentage of the pool (0 = no limit)',
  },
  {
    key: 'hostStaticQuota',
    flag: '--host-static-quota',
    arg: '<n>',
    env: 'MCS_HOST_STATIC_QUOTA',
    default: '64',
    parse: wholeNumber(0, 1_000_000),
    help: 'static levels of one, or of three or more, categories one host may hold (0 = no limit)',
  },
  {
    key: 'maxStaticPairs',
    flag: '--max-static-pairs',
    arg: '<n>',
    env: 'MCS_MAX_STATIC_PAIRS',
    default: '1024',
    parse: wholeNumber(0, 600_000),
    help: 'most pairs one static level may cover (keep out of the pool); wider levels are refused before any work (0 = no limit)',
  },
  {
    key: 'maxWatchesPerClient',
    flag: '--max-watches-per-client',
    arg: '<n>',
    env: 'MCS_MAX_WATCHES_PER_CLIENT',
    default: '8',
    parse: wholeNumber(1, 10_000),
    help: 'WatchLeases streams one client may hold open',
  },
  {
    key: 'maxConcurrentReconciles',
    flag: '--max-concurrent-reconciles',
    arg: '<n>',
    env: 'MCS_MAX_CONCURRENT_RECONCILES',
    default: '2',
    parse: wholeNumber(1, 1000),
    help: 'Reconcile calls that run at once; the others wait their turn (within their deadline)',
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    arg: '<n>',
    env: 'MCS_MAX_CONNECTIONS',
    default: '4096',
    parse: wholeNumber(0, 1_000_000),
    help: 'connections the gRPC port accepts at once; more are closed at once (0 = no limit)',
  },
  {
    key: 'maxConnectionsPerAddress',
    flag: '--max-connections-per-address',
    arg: '<n>',
    env: 'MCS_MAX_CONNECTIONS_PER_ADDRESS',
    default: '256',
    parse: wholeNumber(0, 1_000_000),
    help: 'connections one remote address may hold open (0 = no limit)',
  },
  {
    key: 'handshakeTimeout',
    flag: '--handshake-timeout',
    arg: '<seconds>',
    env: 'MCS_HANDSHAKE_TIMEOUT',
    default: '10',
    parse: wholeNumber(1, 3600),
    help: 'a connection that has not finished its TLS handshake (or sent its HTTP/2 preface) by then is closed',
  },
  {
    key: 'idleTimeout',
    flag: '--idle-timeout',
    arg: '<seconds>',
    env: 'MCS_IDLE_TIMEOUT',
    default: '300',
    parse: wholeNumber(1, 30 * 24 * 3600),
    help: 'a connection that carries no call for this long is closed (clients reconnect)',
  },
  {
    key: 'redisSentinels',
    flag: '--redis-sentinels',
    arg: '<host:port,...>',
    env: 'MCS_REDIS_SENTINELS',
    help: 'Sentinels that know the primary (with --redis-master-name)',
  },
  {
    key: 'redisMasterName',
    flag: '--redis-master-name',
    arg: '<name>',
    env: 'MCS_REDIS_MASTER_NAME',
    help: 'name the Sentinels monitor the primary under',
  },
  { key: 'redisCluster', flag: '--redis-cluster', arg: '<host:port,...>', env: 'MCS_REDIS_CLUSTER', help: 'seed nodes of a Redis Cluster' },
  {
    key: 'redisTlsCa',
    flag: '--redis-tls-ca',
    arg: '<file>',
    env: 'MCS_REDIS_TLS_CA',
    help: "CA that signed the Redis servers' certificates (for rediss:// and TLS nodes)",
  },
  {
    key: 'redisTlsCert',
    flag: '--redis-tls-cert',
    arg: '<file>',
    env: 'MCS_REDIS_TLS_CERT',
    help: 'client certificate for Redis (when Redis requires one)',
  },
  { key: 'redisTlsKey', flag: '--redis-tls-key', arg: '<file>', env: 'MCS_REDIS_TLS_KEY', help: 'key of --redis-tls-cert' },
  {
    key: 'redisMinReplicas',
    flag: '--redis-min-replicas',
    arg: '<n>',
    env: 'MCS_REDIS_MIN_REPLICAS',
    default: '0',
    parse: wholeNumber(0, 16),
    help: 'replica acknowledgements each change waits for before the RPC answers (WAIT)',
  },
  {
    key: 'dataDir',
    flag: '--data-dir',
    arg: '<dir>',
    env: 'MCS_DATA_DIR',
    default: './.mcs-data',
    help: 'directory of the embedded redis-server',
  },
  {
    key: 'pool',
    flag: '--pool',
    arg: '<name>',
    env: 'MCS_POOL',
    default: 'default',
    help: 'pool name; pools sharing a Redis are independent',
  },
  {
    key: 'categories',
    flag: '--categories',
    arg: '<range>',
    env: 'MCS_CATEGORIES',
    default: 'c0.c1023',
    help: 'category range of the pool',
  },
  {
    key: 'sensitivity',
    flag: '--sensitivity',
    arg: '<sN>',
    env: 'MCS_SENSITIVITY',
    default: 's0',
    help: "sensitivity of the pool's levels (MLS), s0 to s1023",
  },
  {
    key: 'setrans',
    flag: '--setrans',
    arg: '<file>',
    env: 'MCS_SETRANS',
    help: 'setrans.conf whose level names requests may use (e.g. TopSecret)',
  },
  {
    key: 'profile',
    flag: '--profile',
    arg: '<name|file>',
    env: 'MCS_PROFILE',
    default: 'container',
    help: 'context profile: container, svirt, or a container_contexts file',
  },
  {
    key: 'reserved',
    flag: '--reserved',
    arg: '<levels>',
    env: 'MCS_RESERVED',
    implicit: RESERVED_DEFAULT,
    help: `pairs never handed out, separated by ";" or spaces, or "none" (default "${RESERVED_DEFAULT}" when inside the range)`,
  },
  {
    key: 'allowedTypes',
    flag: '--allowed-types',
    arg: '<types>',
    env: 'MCS_ALLOWED_TYPES',
    help: "process types options.type may name, comma-separated (default: the profiles' process types)",
  },
  {
    key: 'allowedFileTypes',
    flag: '--allowed-file-types',
    arg: '<types>',
    env: 'MCS_ALLOWED_FILE_TYPES',
    help: "file types options.filetype may name (default: the profiles' file types)",
  },
  {
    key: 'privilegedType',
    flag: '--privileged-type',
    arg: '<type>',
    env: 'MCS_PRIVILEGED_TYPE',
    default: 'spc_t',
    help: 'process type of a disabled label (options.disable)',
  },
  {
    key: 'homeDirs',
    flag: '--home-dirs',
    arg: '<paths>',
    env: 'MCS_HOME_DIRS',
    help: 'home directories never to relabel, comma- or colon-separated (beyond /root and /home/<user>)',
  },
  {
    key: 'hostTtl',
    flag: '--host-ttl',
    arg: '<seconds>',
    env: 'MCS_HOST_TTL',
    default: '0',
    parse: wholeNumber(0, 30 * 24 * 3600),
    help: 'a host whose heartbeats stop for this long loses its leases (0 = never)',
  },
  {
    key: 'recoveryWindow',
    flag: '--recovery-window',
    arg: '<seconds>',
    env: 'MCS_RECOVERY_WINDOW',
    default: '60',
    parse: wholeNumber(0, 24 * 3600),
    help: 'after Redis lost the pool and it was created again: how long new leases wait for hosts to report what they run (0 = never wait)',
  },
  {
    key: 'stableRetention',
    flag: '--stable-retention',
    arg: '<seconds>',
    env: 'MCS_STABLE_RETENTION',
    default: '86400',
    parse: wholeNumber(0, 365 * 24 * 3600),
    help: 'the longest a pair stays held for its stable key after its lease ended (0 = stable keys hold nothing)',
  },
  {
    key: 'clusterStableKeys',
    flag: '--cluster-stable-keys',
    arg: '<patterns>',
    env: 'MCS_CLUSTER_STABLE_KEYS',
    help: 'stable keys that are cluster-wide, comma-separated, * for any run (default: none: every key is per host)',
  },
  {
    key: 'eventRetention',
    flag: '--event-retention',
    arg: '<n>',
    env: 'MCS_EVENT_RETENTION',
    default: '6000',
    parse: wholeNumber(0, 100_000_000),
    help: 'lease events kept for WatchLeases to replay (about; 0 = none)',
  },
  ...LOG_FLAGS,
  {
    key: 'metricsListen',
    flag: '--metrics-listen',
    arg: '<addr>',
    env: 'MCS_METRICS_LISTEN',
    default: '127.0.0.1:9464',
    help: 'host:port of the Prometheus endpoint GET /metrics, or "none"',
  },
  {
    key: 'redisTimeout',
    flag: '--redis-timeout',
    arg: '<ms>',
    env: 'MCS_REDIS_TIMEOUT',
    default: '2000',
    parse: wholeNumber(10, 60_000),
    help: 'longest wait for one Redis call before answering UNAVAILABLE',
  },
  {
    key: 'reapInterval',
    flag: '--reap-interval',
    arg: '<ms>',
    env: 'MCS_REAP_INTERVAL',
    default: '1000',
    parse: wholeNumber(10, 3_600_000),
    help: 'how often expired leases are reclaimed',
  },
  {
    key: 'shutdownGrace',
    flag: '--shutdown-grace',
    arg: '<seconds>',
    env: 'MCS_SHUTDOWN_GRACE',
    default: '10',
    parse: wholeNumber(0, 3600),
    help: 'time in-flight calls get to finish on SIGTERM/SIGINT',
  },
  // Benchmark only (npm run bench): also serve mcs.bench.v1.Bench/Noop. Not in the help.
  { key: 'benchNoop', flag: '--bench-noop', env: 'MCS_BENCH_NOOP', help: 'serve the benchmark no-op RPC', hidden: true },
] as const satisfies readonly FlagSpec[];

type Spec = (typeof SERVE_FLAGS)[number];

/** Raw option values as the command line (or its environment variables) gave them. */
export type ServeOptions = FlagValues<Spec>;

/** Every default of `serve`, by option name (`reserved`'s applies only inside the pool's range). */
export const DEFAULTS = Object.freeze(defaultsOf(SERVE_FLAGS)) as {
  readonly [S in Extract<Spec, { default: string } | { implicit: string }> as S['key']]: S extends { default: string }
    ? S['default']
    : S extends { implicit: string }
      ? S['implicit']
      : never;
};

/**
 * The store flags: what any command that opens the pool in Redis needs
 * (`serve`, and commands like it), with the same names, variables and
 * defaults. A command adds them with addFlags(cmd, STORE_FLAGS, overrides).
 */
export const STORE_FLAGS = pick(SERVE_FLAGS, [
  'redis',
  'redisSentinels',
  'redisMasterName',
  'redisCluster',
  'redisTlsCa',
  'redisTlsCert',
  'redisTlsKey',
  'redisMinReplicas',
  'redisTimeout',
  'pool',
  'categories',
  'sensitivity',
  'setrans',
  'profile',
  'reserved',
  'allowedTypes',
  'allowedFileTypes',
  'privilegedType',
  'hostQuota',
  'hostStaticQuota',
  'maxStaticPairs',
  'hostTtl',
  'recoveryWindow',
  'stableRetention',
  'eventRetention',
  'reapInterval',
]);
