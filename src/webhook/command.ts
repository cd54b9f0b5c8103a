/**
 * `mcs-allocator webhook`: the Kubernetes admission webhook. It opens the
 * pool in Redis itself (the same store flags as `serve`), runs a reaper
 * like every replica, keeps its cluster host alive, and serves HTTPS.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Cluster, Redis } from 'ioredis';
import { ConfigError, DEFAULTS } from '../config.js';
import { createRedis, describeTarget } from '../redis/connection.js';
import { leaseStoreFor } from '../server/lease-store-for.js';
import { Reaper } from '../server/reaper.js';
import { HostExpiredError, PoolConfigMismatchError, PoolStateInconsistentError, ReservedInUseError, StoreUnavailableError } from '../store/errors.js';
import { LeaseStore } from '../store/lease-store.js';
import { Admitter } from './admit.js';
import { buildWebhookConfig, WEBHOOK_DEFAULTS, type WebhookConfig, type WebhookFlags } from './config.js';
import { startWebhookServer, WebhookMetrics } from './server.js';

function opt(flags: string, description: string, env: string, fallback?: string): Option {
  const o = new Option(flags, description).env(env);
  return fallback === undefined ? o : o.default(fallback);
}

export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description('Run the Kubernetes admission webhook: leases a level for every pod at CREATE, releases it at its final DELETE.')
    .addOption(opt('--listen <addr>', 'HTTPS address host:port', 'MCS_WEBHOOK_LISTEN', WEBHOOK_DEFAULTS.listen))
    .addOption(opt('--tls-cert <file>', 'PEM certificate of the HTTPS port (reloaded when it changes)', 'MCS_WEBHOOK_TLS_CERT'))
    .addOption(opt('--tls-key <file>', 'PEM private key of --tls-cert', 'MCS_WEBHOOK_TLS_KEY'))
    .addOption(opt('--tls-client-ca <file>', 'admissions need a client certificate this CA signed (the apiserver\'s); /healthz and /metrics do not', 'MCS_WEBHOOK_TLS_CLIENT_CA'))
    .addOption(opt('--host <name>', 'the cluster host every pod lease is held on', 'MCS_WEBHOOK_HOST', WEBHOOK_DEFAULTS.host))
    .addOption(opt('--policy-default <policy>', 'sharing policy: pod (a level per pod, pods mounting one claim share), namespace (a level per namespace), none', 'MCS_WEBHOOK_POLICY_DEFAULT', WEBHOOK_DEFAULTS.policyDefault))
    .addOption(opt('--namespace-policy <ns=policy,...>', 'sharing policies of single namespaces', 'MCS_WEBHOOK_NAMESPACE_POLICY'))
    .addOption(opt('--exclude-namespaces <ns,...>', 'namespaces left alone (the webhook\'s own, $POD_NAMESPACE, is always)', 'MCS_WEBHOOK_EXCLUDE_NAMESPACES', WEBHOOK_DEFAULTS.excludeNamespaces))
    .addOption(opt('--on-conflict <deny|recursive>', 'a pod whose claims are held at different levels: refused, or its own level with seLinuxChangePolicy Recursive', 'MCS_WEBHOOK_ON_CONFLICT', WEBHOOK_DEFAULTS.onConflict))
    .addOption(opt('--selinux-user <user>', 'seLinuxOptions.user written into pods that set none', 'MCS_WEBHOOK_SELINUX_USER'))
    .addOption(opt('--selinux-role <role>', 'seLinuxOptions.role written into pods that set none', 'MCS_WEBHOOK_SELINUX_ROLE'))
    .addOption(opt('--selinux-type <type>', 'seLinuxOptions.type written into pods that set none (on --allowed-types)', 'MCS_WEBHOOK_SELINUX_TYPE'))
    .addOption(opt('--pending-ttl <seconds>', 'TTL of a lease at admission; the host agent renews it while the pod runs', 'MCS_WEBHOOK_PENDING_TTL', WEBHOOK_DEFAULTS.pendingTtl))
    .addOption(opt('--cluster-host-ttl <seconds>', 'with --host-ttl: how long the cluster host lives after the last webhook heartbeat', 'MCS_WEBHOOK_CLUSTER_HOST_TTL', WEBHOOK_DEFAULTS.clusterHostTtl))
    .addOption(opt('--heartbeat-interval <seconds>', 'how often the webhook heartbeats its cluster host', 'MCS_WEBHOOK_HEARTBEAT_INTERVAL', WEBHOOK_DEFAULTS.heartbeatInterval))
    // The store flags of `serve`, with its environment variables.
    .addOption(opt('--redis <url>', 'redis://, rediss:// or a unix socket path (required, or Sentinels, or Cluster)', 'MCS_REDIS_URL'))
    .addOption(opt('--redis-sentinels <host:port,...>', 'Sentinels that know the primary (with --redis-master-name)', 'MCS_REDIS_SENTINELS'))
    .addOption(opt('--redis-master-name <name>', 'name the Sentinels monitor the primary under', 'MCS_REDIS_MASTER_NAME'))
    .addOption(opt('--redis-cluster <host:port,...>', 'seed nodes of a Redis Cluster', 'MCS_REDIS_CLUSTER'))
    .addOption(opt('--redis-tls-ca <file>', 'CA of the Redis servers\' certificates', 'MCS_REDIS_TLS_CA'))
    .addOption(opt('--redis-tls-cert <file>', 'client certificate for Redis', 'MCS_REDIS_TLS_CERT'))
    .addOption(opt('--redis-tls-key <file>', 'key of --redis-tls-cert', 'MCS_REDIS_TLS_KEY'))
    .addOption(opt('--redis-min-replicas <n>', 'replica acknowledgements each change waits for (WAIT)', 'MCS_REDIS_MIN_REPLICAS', DEFAULTS.redisMinReplicas))
    .addOption(opt('--redis-timeout <ms>', 'longest wait for one Redis call', 'MCS_REDIS_TIMEOUT', DEFAULTS.redisTimeout))
    .addOption(opt('--pool <name>', 'pool name', 'MCS_POOL', DEFAULTS.pool))
    .addOption(opt('--categories <range>', 'category range of the pool', 'MCS_CATEGORIES', DEFAULTS.categories))
    .addOption(opt('--sensitivity <sN>', 'sensitivity of the pool\'s levels', 'MCS_SENSITIVITY', DEFAULTS.sensitivity))
    .addOption(opt('--setrans <file>', 'setrans.conf whose level names pods may use', 'MCS_SETRANS'))
    .addOption(opt('--profile <name|file>', 'context profile: container, svirt, or a contexts file', 'MCS_PROFILE', DEFAULTS.profile))
    .addOption(opt('--reserved <levels>', 'pairs never handed out, or "none"', 'MCS_RESERVED'))
    .addOption(opt('--allowed-types <types>', 'process types --selinux-type may name', 'MCS_ALLOWED_TYPES'))
    .addOption(opt('--allowed-file-types <types>', 'file types', 'MCS_ALLOWED_FILE_TYPES'))
    .addOption(opt('--privileged-type <type>', 'process type of a disabled label', 'MCS_PRIVILEGED_TYPE', DEFAULTS.privilegedType))
    .addOption(opt('--host-quota <n|p%>', 'pairs the cluster host may hold (0 = no limit)', 'MCS_HOST_QUOTA', WEBHOOK_DEFAULTS.hostQuota))
    .addOption(opt('--host-static-quota <n>', 'static levels of one, or of three or more, categories the cluster host may hold', 'MCS_HOST_STATIC_QUOTA', DEFAULTS.hostStaticQuota))
    .addOption(opt('--max-static-pairs <n>', 'most pairs one static level may cover', 'MCS_MAX_STATIC_PAIRS', DEFAULTS.maxStaticPairs))
    .addOption(opt('--host-ttl <seconds>', 'the pool\'s host liveness (as the service\'s)', 'MCS_HOST_TTL', DEFAULTS.hostTtl))
    .addOption(opt('--recovery-window <seconds>', 'as the service\'s', 'MCS_RECOVERY_WINDOW', DEFAULTS.recoveryWindow))
    .addOption(opt('--stable-retention <seconds>', 'as the service\'s', 'MCS_STABLE_RETENTION', DEFAULTS.stableRetention))
    .addOption(opt('--event-retention <n>', 'as the service\'s', 'MCS_EVENT_RETENTION', DEFAULTS.eventRetention))
    .addOption(opt('--reap-interval <ms>', 'how often expired leases are reclaimed', 'MCS_REAP_INTERVAL', DEFAULTS.reapInterval))
    .addOption(opt('--shutdown-grace <seconds>', 'time in-flight admissions get on SIGTERM', 'MCS_SHUTDOWN_GRACE', DEFAULTS.shutdownGrace))
    .addOption(opt('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'MCS_LOG_LEVEL', DEFAULTS.logLevel))
    .addOption(opt('--log-format <format>', 'json or pretty', 'MCS_LOG_FORMAT', DEFAULTS.logFormat))
    .addHelpText(
      'after',
      `
Serves POST /mutate (AdmissionReview v1), /mutate/<pod|namespace|none>, /validate, GET /healthz, /metrics.
See README.md, "Using with Kubernetes".

Example:
  mcs-allocator webhook --redis redis://redis:6379 --tls-cert /tls/tls.crt --tls-key /tls/tls.key --namespace-policy team-a=namespace
`,
    )
    .action(async (flags: WebhookFlags) => {
      let config: WebhookConfig;
      try {
        config = buildWebhookConfig(flags);
        for (const [option, file] of [['--tls-cert', config.certFile], ['--tls-key', config.keyFile], ...(config.clientCaFile ? [['--tls-client-ca', config.clientCaFile] as const] : [])] as const) {
          try {
            readFileSync(file);
          } catch (err) {
            throw new ConfigError(option, `cannot read ${file}: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`mcs-allocator webhook: ${err.message}\n`);
        process.exit(2);
      }
      await runWebhook(config);
    });
}

function logger(config: WebhookConfig): Logger {
  const options = { level: config.store.logLevel, base: { service: 'mcs-allocator-webhook', pool: config.store.pool } };
  return config.store.logFormat === 'pretty' ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true })) : pino(options, pino.destination({ dest: 1, sync: true }));
}

function isFatal(err: unknown): boolean {
  return err instanceof PoolConfigMismatchError || err instanceof ReservedInUseError || err instanceof PoolStateInconsistentError;
}

export interface OpenedStore {
  readonly store: LeaseStore;
  healthy(): boolean;
  close(): Promise<void>;
}

/** Opens the pool as a service replica does: an unreachable Redis is waited for, a wrong pool stops the start. */
export async function openStore(config: WebhookConfig, log: Logger): Promise<OpenedStore> {
  const c = config.store;
  const redis: Redis | Cluster = createRedis(c.redis!, c.redisTls ? { tls: { ...c.redisTls } } : {});
  log.info({ redis: describeTarget(c.redis!) }, 'using redis');
  let last = '';
  redis.on('error', (err: Error) => {
    if (err.message !== last) log.warn({ err: err.message }, 'redis connection error');
    last = err.message;
  });
  const { store, writer } = leaseStoreFor(redis, c, log);
  let ready = false;
  let healthy = false;
  const init = async () => {
    await store.init({ timeoutMs: c.redisTimeoutMs, recovering: ready });
    ready = true;
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([redis.connect(), writer?.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError('Redis did not get ready within 10 s')), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    await init();
    healthy = true;
  } catch (err) {
    if (isFatal(err)) {
      redis.disconnect();
      writer?.disconnect();
      throw err;
    }
    log.warn({ err: (err as Error).message }, 'redis is not reachable yet; answering 503 on /healthz until it is');
  }
  redis.on('ready', () => {
    if (ready) init().catch((err) => log.error({ err: (err as Error).message }, 'reopening the pool failed'));
  });
  redis.on('close', () => (healthy = false));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      if (!ready) await init();
      let t: NodeJS.Timeout | undefined;
      const pong = await Promise.race([
        redis.ping(),
        new Promise<never>((_, reject) => {
          t = setTimeout(() => reject(new StoreUnavailableError('ping timed out')), c.redisTimeoutMs);
        }),
      ]).finally(() => clearTimeout(t));
      healthy = pong === 'PONG';
    } catch (err) {
      if (isFatal(err)) log.error({ err: (err as Error).message }, 'cannot open the pool');
      healthy = false;
    }
    if (!stopped) timer = setTimeout(check, 1000);
  };
  timer = setTimeout(check, 1000);
  return {
    store,
    healthy: () => healthy,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await redis.quit().catch(() => redis.disconnect());
      await writer?.quit().catch(() => writer?.disconnect());
    },
  };
}

/**
 * Keeps the cluster host alive (with --host-ttl its leases would lapse
 * with it). A host found expired lost its leases already: a Reconcile
 * with nothing reported lifts the mark, and admissions work again.
 */
function heartbeats(config: WebhookConfig, store: LeaseStore, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    try {
      await store.heartbeat(config.host, config.clusterHostTtlSeconds, { timeoutMs: config.store.redisTimeoutMs });
    } catch (err) {
      if (err instanceof HostExpiredError) {
        log.error({ host: config.host }, 'the cluster host had expired (no webhook heartbeat for --cluster-host-ttl): its pod leases were reclaimed; reconciling it empty');
        await store.reconcile(config.host, [], { timeoutMs: 30_000 }).catch((e: Error) => log.warn({ err: e.message }, 'reconcile failed'));
      } else log.warn({ err: (err as Error).message }, 'heartbeat of the cluster host failed');
    }
    if (!stopped) timer = setTimeout(() => void beat(), config.heartbeatIntervalMs);
  };
  void beat();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function runWebhook(config: WebhookConfig): Promise<void> {
  const log = logger(config);
  let opened: OpenedStore;
  try {
    opened = await openStore(config, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.stderr.write(`mcs-allocator webhook: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { store } = opened;
  const metrics = new WebhookMetrics();
  const admitter = new Admitter({
    store,
    host: config.host,
    policy: config.policy,
    pool: config.optionsPolicy,
    pendingTtlSeconds: config.pendingTtlSeconds,
    prefixes: config.prefixes,
    redisTimeoutMs: config.store.redisTimeoutMs,
    log,
  });
  const reaper = new Reaper(store, log, config.store.reapIntervalMs, config.store.redisTimeoutMs);
  reaper.start();
  const stopBeats = heartbeats(config, store, log);
  let server;
  try {
    server = await startWebhookServer({ listen: config.listen, certFile: config.certFile, keyFile: config.keyFile, ...(config.clientCaFile ? { clientCaFile: config.clientCaFile } : {}), admitter, log, healthy: opened.healthy, metrics });
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot listen');
    process.stderr.write(`mcs-allocator webhook: cannot listen on ${config.listen}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log.info(
    {
      address: config.listen.replace(/:\d+$/, `:${server.port}`),
      host: config.host,
      policy: config.policy.defaultPolicy,
      namespaces: Object.fromEntries(config.policy.namespaces),
      excluded: [...config.policy.excluded],
      pendingTtl: config.pendingTtlSeconds,
    },
    'mcs-allocator webhook serving',
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(0), config.store.shutdownGraceMs + 1000);
    force.unref();
    void (async () => {
      stopBeats();
      await server.close();
      await reaper.stop();
      await opened.close();
      log.info('mcs-allocator webhook stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
