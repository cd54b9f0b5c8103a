/**
 * The admission webhook at work: it opens the pool in Redis itself (the
 * same store flags as `serve`), runs a reaper like every replica, keeps
 * its cluster host alive, and serves HTTPS. Loaded by command.ts only when
 * `mcs-allocator webhook` runs, so the other commands never load Redis.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Cluster, Redis } from 'ioredis';
import { createRedis } from '../redis/connection.js';
import { describeTarget } from '../redis/target.js';
import { isFatalOpenError, leaseStoreFor } from '../server/lease-store-for.js';
import { Reaper } from '../server/reaper.js';
import { HostExpiredError } from '../store/errors.js';
import type { LeaseStore } from '../store/lease-store.js';
import { Admitter } from './admit.js';
import type { WebhookConfig } from './config.js';
import { startWebhookServer, WebhookMetrics } from './server.js';

function logger(config: WebhookConfig): Logger {
  const options = { level: config.store.logLevel, base: { service: 'mcs-allocator-webhook', pool: config.store.pool } };
  return config.store.logFormat === 'pretty'
    ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true }))
    : pino(options, pino.destination({ dest: 1, sync: true }));
}

interface OpenedStore {
  readonly store: LeaseStore;
  readonly healthy: () => boolean;
  close(): Promise<void>;
}

/** Opens the pool as a service replica does: an unreachable Redis is waited for, a wrong pool stops the start. */
async function openStore(config: WebhookConfig, log: Logger): Promise<OpenedStore> {
  const c = config.store;
  const redis: Redis | Cluster = createRedis(c.redis!, c.redisTls ? { tls: { ...c.redisTls } } : {});
  log.info({ redis: describeTarget(c.redis!) }, 'using redis');
  let last = '';
  redis.on('error', (err: Error) => {
    if (err.message !== last) log.warn({ err: err.message }, 'redis connection error');
    last = err.message;
  });
  const opened = leaseStoreFor(redis, c, log);
  const { store } = opened;
  let ready = false;
  let healthy = false;
  const init = async () => {
    await opened.init({ timeoutMs: c.redisTimeoutMs, recovering: ready });
    ready = true;
  };
  try {
    await opened.connect();
    await init();
    healthy = true;
  } catch (err) {
    if (isFatalOpenError(err)) {
      opened.disconnect();
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
      healthy = await opened.ping(c.redisTimeoutMs);
    } catch (err) {
      if (isFatalOpenError(err)) log.error({ err: (err as Error).message }, 'cannot open the pool');
      healthy = false;
    }
    if (!stopped) timer = setTimeout(() => void check(), 1000);
  };
  timer = setTimeout(() => void check(), 1000);
  return {
    store,
    healthy: () => healthy,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await opened.close();
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
        log.error(
          { host: config.host },
          'the cluster host had expired (no webhook heartbeat for --cluster-host-ttl): its pod leases were reclaimed; reconciling it empty',
        );
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

export async function runWebhook(config: WebhookConfig): Promise<void> {
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
    server = await startWebhookServer({
      listen: config.listen,
      certFile: config.certFile,
      keyFile: config.keyFile,
      ...(config.clientCaFile ? { clientCaFile: config.clientCaFile } : {}),
      admitter,
      log,
      healthy: opened.healthy,
      metrics,
    });
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
