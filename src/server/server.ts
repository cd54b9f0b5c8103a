import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/serve-config.js';
import { formatCategoryRange } from '../domain/categories.js';
import { loadAllocatorProto } from '../proto.js';
import { createRedis } from '../redis/connection.js';
import { describeTarget } from '../redis/target.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../redis/embedded.js';
import { LeaseStore } from '../store/lease-store.js';
import { allocatorService } from './allocator-service.js';
import { isFatalOpenError, leaseStoreFor } from './lease-store-for.js';
import { Reaper } from './reaper.js';
import { ReloadingCertificates } from './tls.js';
import { Metrics, serveMetrics } from './metrics.js';
import { addReflection } from './reflection.js';
import { listen, type Listener } from './listener.js';
import type { Server as HttpServer } from 'node:http';

export const SERVICE_NAME = 'mcs.v1.LabelAllocator';
const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';
const HEALTH_INTERVAL_MS = 1000;

export interface RunningServer {
  /** The address actually bound (the port is resolved when --listen asked for :0). */
  readonly address: string;
  readonly port: number;
  readonly store: LeaseStore;
  readonly reaper: Reaper;
  /** The bound port of GET /metrics, when metrics are served. */
  readonly metricsPort: number | undefined;
  readonly metrics: Metrics;
  /** True while Redis answers and the pool is in place. */
  serving(): boolean;
  /** Stops accepting calls, lets in-flight calls finish within the grace period, closes Redis. */
  close(): Promise<void>;
}

/** Settings that a wrong start cannot fix by waiting: the process should exit. */
export async function startServer(config: ServeConfig, log: Logger): Promise<RunningServer> {
  let embedded: EmbeddedRedis | undefined;
  let redis: Redis | Cluster;
  if (config.redis) {
    // TLS material applies to rediss:// URLs and to Sentinel and Cluster nodes.
    const tls = config.redisTls ? { tls: { ...config.redisTls } } : {};
    redis = createRedis(config.redis, tls);
    log.info({ redis: describeTarget(config.redis) }, 'using external redis');
  } else {
    embedded = await startEmbeddedRedis(config.dataDir, log);
    redis = createRedis({ kind: 'socket', path: embedded.socketPath });
  }
  let lastRedisError = '';
  let metrics: Metrics | undefined;
  redis.on('reconnecting', () => metrics?.redisReconnects.inc());
  redis.on('error', (err: Error) => {
    metrics?.redisErrors.inc();
    // ioredis repeats the same error on every reconnect attempt; log changes only.
    if (err.message !== lastRedisError) log.warn({ err: err.message }, 'redis connection error');
    lastRedisError = err.message;
  });

  const opened = leaseStoreFor(redis, config, log);
  const { store, logRecreated } = opened;
  metrics = new Metrics(store, config.redisTimeoutMs);
  metrics.serving.set(0);

  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  let serving = false;
  let poolReady = false;
  const setServing = (value: boolean, why: string) => {
    if (value === serving) return;
    serving = value;
    metrics?.serving.set(value ? 1 : 0);
    const status = value ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    health.setStatus(SERVICE_NAME, status);
    (value ? log.info.bind(log) : log.warn.bind(log))({ why }, `health: ${status}`);
  };

  async function initPool(): Promise<void> {
    // A pool that has to be created although it existed (this replica had it
    // open, or the embedded Redis holds data) is created again: new leases
    // wait --recovery-window for hosts to report what they run. One found
    // missing at the first start on an external Redis is taken as new; hosts
    // that knew an older epoch start the wait with their next heartbeat.
    const recovering = poolReady || (embedded !== undefined && !embedded.fresh);
    const result = await opened.init({ timeoutMs: config.redisTimeoutMs, recovering });
    if (!poolReady) {
      const { pool: _pool, ...stats } = await store.stats({ timeoutMs: config.redisTimeoutMs });
      log.info(
        { ...stats, created: result.created, reservedAdded: result.reserved, reservedRemoved: result.unreserved },
        result.created ? 'pool created' : 'pool opened',
      );
    } else {
      logRecreated(result);
    }
    poolReady = true;
  }

  // Redis first, so that a wrong --categories stops the start with a clear
  // message. An unreachable external Redis does not: the service starts
  // NOT_SERVING and opens the pool once Redis answers.
  try {
    await opened.connect();
    await initPool();
  } catch (err) {
    if (isFatalOpenError(err)) {
      opened.disconnect();
      await embedded?.stop();
      throw err;
    }
    log.warn({ err: (err as Error).message }, 'redis is not reachable yet; starting NOT_SERVING');
  }

  // Reopen the pool after every reconnect: a Redis that restarted empty gets
  // its pool back at once instead of at the next allocation.
  redis.on('ready', () => {
    if (poolReady) initPool().catch((err) => log.error({ err: (err as Error).message }, 'reopening the pool failed'));
  });
  redis.on('close', () => setServing(false, 'redis connection closed'));

  let stopped = false;
  let healthTimer: NodeJS.Timeout | undefined;
  const checkHealth = async () => {
    try {
      if (!poolReady) await initPool();
      setServing(await opened.ping(config.redisTimeoutMs), 'redis answers');
    } catch (err) {
      if (isFatalOpenError(err)) log.error({ err: (err as Error).message }, 'cannot open the pool');
      setServing(false, (err as Error).message);
    }
    if (!stopped) healthTimer = setTimeout(() => void checkHealth(), HEALTH_INTERVAL_MS);
  };
  await checkHealth();

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    // A connection without calls for this long is closed (GOAWAY); clients
    // reconnect when they next call.
    'grpc.max_connection_idle_ms': config.idleTimeoutMs,
  });
  const { grpcObject } = loadAllocatorProto();
  server.addService(
    grpcObject.mcs.v1.LabelAllocator.service,
    allocatorService({
      store,
      log,
      openBlockingClient: async () => {
        const client = redis.duplicate();
        client.on('error', () => {});
        if (client.status === 'wait') await client.connect();
        return client;
      },
      redisTimeoutMs: config.redisTimeoutMs,
      homeDirs: config.homeDirs,
      metrics,
      maxWatchesPerClient: config.maxWatchesPerClient,
      maxConcurrentReconciles: config.maxConcurrentReconciles,
      clusterStableKeys: config.clusterStableKeys,
      ...(config.tls?.clientCa ? { auth: config.authz ? { policy: config.authz } : {} } : {}),
      policy: {
        profiles: config.profiles,
        defaultProfile: config.profile,
        allowedTypes: new Set(config.allowedTypes),
        allowedFileTypes: new Set(config.allowedFileTypes),
        privilegedType: config.privilegedType,
        sensitivity: Number(config.sensitivity.slice(1)),
        categories: config.categories,
        ...(config.translator ? { translator: config.translator } : {}),
      },
    }),
  );
  health.addToServer(server);
  // Benchmark only: the transport-ceiling RPC, loaded only when asked for.
  const served = [SERVICE_NAME, HEALTH_SERVICE_NAME];
  if (config.benchNoop) {
    const bench = await import('./bench-service.js');
    bench.addBenchService(server);
    served.push(bench.BENCH_SERVICE_NAME);
  }
  addReflection(server, served);

  let certificates: ReloadingCertificates | undefined;
  let listener: Listener;
  try {
    certificates = config.tls ? new ReloadingCertificates(config.tls, log) : undefined;
    const credentials = certificates ? certificates.credentials() : grpc.ServerCredentials.createInsecure();
    listener = await listen(server, config.listen, credentials, config.connections, log, (why) =>
      metrics?.connectionsRefused.inc({ reason: why }),
    );
  } catch (err) {
    stopped = true;
    clearTimeout(healthTimer);
    certificates?.close();
    opened.disconnect();
    await embedded?.stop();
    throw new Error(`cannot listen on ${config.listen}: ${(err as Error).message}`, { cause: err });
  }
  const port = listener.port;
  metrics.openConnections = () => listener.open();
  const address = config.listen.startsWith('unix:') ? config.listen : config.listen.replace(/:\d+$/, `:${port}`);
  if (!config.tls) {
    log.warn('gRPC without TLS: any client that reaches this address can allocate and release leases');
  } else if (!config.tls.clientCa) {
    log.warn('TLS without client certificates: any client that reaches this address can allocate and release leases');
  } else if (!config.authz) {
    log.info('mutual TLS without --authz: each client acts only for the host its certificate names');
  } else {
    log.info({ identities: config.authz.rules.length }, 'mutual TLS with an authorization policy');
  }

  if (config.translator) {
    log.info({ names: config.translator.size }, 'level names loaded from setrans.conf');
    for (const w of config.translator.warnings) log.warn({ file: w.file, line: w.line, text: w.text }, `setrans.conf: ${w.message}`);
  }

  let metricsServer: HttpServer | undefined;
  let metricsPort: number | undefined;
  if (config.metricsListen) {
    try {
      ({ server: metricsServer, port: metricsPort } = await serveMetrics(metrics, config.metricsListen, () => serving));
    } catch (err) {
      stopped = true;
      clearTimeout(healthTimer);
      server.forceShutdown();
      await listener.close();
      opened.disconnect();
      await embedded?.stop();
      throw new Error(`cannot serve metrics on ${config.metricsListen}: ${(err as Error).message}`, { cause: err });
    }
    log.info({ metrics: `http://${config.metricsListen.replace(/:\d+$/, `:${metricsPort}`)}/metrics` }, 'metrics served');
  }

  const m = metrics;
  const reaper = new Reaper(store, log, config.reapIntervalMs, config.redisTimeoutMs, () => m.reclaimed.inc({ pool: config.pool }));
  reaper.start();
  log.info({ address, categories: formatCategoryRange(config.categories), profile: config.profile.name }, 'mcs-allocator serving');

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    store,
    reaper,
    metrics,
    metricsPort,
    serving: () => serving,
    close() {
      closing ??= (async () => {
        stopped = true;
        clearTimeout(healthTimer);
        setServing(false, 'shutting down');
        listener.stopAccepting();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log.warn('grace period over: cancelling calls still in flight');
            server.forceShutdown();
            resolve();
          }, config.shutdownGraceMs);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await listener.close();
        await reaper.stop();
        certificates?.close();
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
        await opened.close();
        await embedded?.stop();
        log.info('mcs-allocator stopped');
      })();
      return closing;
    },
  };
}
