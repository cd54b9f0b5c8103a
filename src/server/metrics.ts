import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LeaseStore } from '../store/lease-store.js';

/**
 * Prometheus metrics of one service process. Labels are bounded sets
 * (method, status code, reason, pool): never a workload id, host or lease
 * id, so the series count cannot grow with the workloads.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly rpcDuration = new Histogram({
    name: 'mcs_rpc_duration_seconds',
    help: 'Time to answer a unary RPC, by method and gRPC status code.',
    labelNames: ['method', 'code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly allocations = new Counter({
    name: 'mcs_allocations_total',
    help: 'Allocate calls by outcome: created, existing, or the error reason (e.g. POOL_EXHAUSTED).',
    labelNames: ['pool', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly releases = new Counter({
    name: 'mcs_releases_total',
    help: 'Release calls by outcome: released, not_found, or the error reason.',
    labelNames: ['pool', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly reclaimed = new Counter({
    name: 'mcs_reaped_leases_total',
    help: 'Leases this replica reclaimed because their TTL ran out or their host stopped heartbeating.',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'mcs_refusals_total',
    help: 'Calls refused by the service, by method and reason.',
    labelNames: ['method', 'reason'] as const,
    registers: [this.registry],
  });

  readonly redisErrors = new Counter({
    name: 'mcs_redis_errors_total',
    help: 'Errors on the Redis connection (connection refused, reset, timeouts).',
    registers: [this.registry],
  });

  readonly redisReconnects = new Counter({
    name: 'mcs_redis_reconnects_total',
    help: 'Reconnection attempts to Redis.',
    registers: [this.registry],
  });

  readonly watchStreams = new Gauge({
    name: 'mcs_watch_streams',
    help: 'WatchLeases streams open on this replica.',
    registers: [this.registry],
  });

  readonly connectionsRefused = new Counter({
    name: 'mcs_connections_refused_total',
    help: 'Connections to the gRPC port closed before they carried a call: max_connections, max_per_address, handshake_timeout.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Set by the listener once it runs: how many connections are open. */
  openConnections: () => number = () => 0;

  readonly serving = new Gauge({
    name: 'mcs_serving',
    help: '1 while Redis answers and the pool is in place (health SERVING), else 0.',
    registers: [this.registry],
  });

  constructor(store: LeaseStore, timeoutMs: number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcs_' });
    // prom-client also exports the sums of these per-type gauges as gauges
    // named ..._total, which Prometheus reserves for counters (promtool check
    // metrics refuses them). sum(mcs_nodejs_active_handles) is the same figure.
    for (const name of ['active_handles', 'active_requests', 'active_resources'])
      this.registry.removeSingleMetric(`mcs_nodejs_${name}_total`);
    const pool = store.settings.name;
    // collect() runs with the gauge as `this`; the count is this object's.
    const openConnections = (): number => this.openConnections();
    new Gauge({
      name: 'mcs_connections_open',
      help: 'Connections open on the gRPC port.',
      registers: [this.registry],
      collect() {
        this.set(openConnections());
      },
    });
    // Read at scrape time: one small script, so the figures are the pool's,
    // shared by every replica, not this process's view of it.
    new Gauge({
      name: 'mcs_pool_pairs',
      help: 'Pairs of the pool by state: total, leased, free, reserved, blocked (by static levels).',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      async collect() {
        try {
          const s = await store.stats({ timeoutMs });
          for (const state of ['total', 'leased', 'free', 'reserved', 'blocked', 'held'] as const) this.set({ pool, state }, s[state]);
        } catch {
          // Redis is away: mcs_serving says so; no stale figures.
          this.reset();
        }
      },
    });
  }
}

/**
 * The HTTP server of GET /metrics, and of GET /healthz (200 SERVING or 503
 * NOT_SERVING, the gRPC health status in plain HTTP: container health
 * checks and load balancers use it whatever TLS the gRPC port has).
 * Resolves with the bound port.
 */
export async function serveMetrics(
  metrics: Metrics,
  listen: string,
  serving: () => boolean = () => true,
): Promise<{ server: Server; port: number }> {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  if (!m) throw new Error(`--metrics-listen must be host:port, not ${JSON.stringify(listen)}`);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const ok = serving();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'SERVING\n' : 'NOT_SERVING\n');
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics, health at GET /healthz\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : Number(m[2]) };
}
