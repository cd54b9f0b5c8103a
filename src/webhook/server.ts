/**
 * The admission webhook's HTTPS endpoint:
 *   POST /mutate             AdmissionReview v1 in and out (CREATE leases and patches; UPDATE, DELETE as /validate)
 *   POST /mutate/<policy>    the same with the sharing policy forced (pod, namespace, none), for webhook
 *                            entries that select namespaces by label
 *   POST /validate           UPDATE checks and the final DELETE's release (never patches)
 *   GET  /healthz            200 when the lease store answers, else 503
 *   GET  /metrics            Prometheus text
 * Bodies are capped; every answer comes within the apiserver's timeout
 * (its ?timeout=Ns, at most 30 s, 10 s when absent) less a margin.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Admitter } from './admit.js';
import { SHARING_POLICIES, type SharingPolicy } from './decide.js';
import { parseReview, reviewResponse, ReviewError } from './review.js';

/** Largest body: an AdmissionReview carries the pod twice (object, oldObject) and etcd caps an object at 1.5 MiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const ANSWER_MARGIN_MS = 300;

export class WebhookMetrics {
  readonly registry = new Registry();
  readonly admissions = new Counter({
    name: 'mcs_webhook_admissions_total',
    help: 'AdmissionReview requests answered, by operation and outcome',
    labelNames: ['operation', 'outcome', 'allowed'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'mcs_webhook_admission_duration_seconds',
    help: 'Time to answer an AdmissionReview',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly badRequests = new Counter({
    name: 'mcs_webhook_bad_requests_total',
    help: 'Requests answered with an HTTP error (not an AdmissionReview)',
    labelNames: ['code'],
    registers: [this.registry],
  });
}

export interface WebhookServerOptions {
  readonly listen: string;
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * When set, admissions (not /healthz, /metrics) need a client certificate this
   * CA signed: the apiserver's, from its AdmissionConfiguration kubeconfig.
   */
  readonly clientCaFile?: string;
  readonly admitter: Admitter;
  readonly log: Logger;
  readonly healthy: () => boolean;
  readonly metrics: WebhookMetrics;
}

export interface RunningWebhook {
  readonly port: number;
  close(): Promise<void>;
}

/** The budget an apiserver gives the call: its `timeout` query parameter ("10s"), else 10 s. */
export function requestBudgetMs(url: URL): number {
  const t = url.searchParams.get('timeout');
  const m = t ? /^(\d{1,2})s$/.exec(t) : null;
  const seconds = m ? Math.min(30, Math.max(1, Number(m[1]))) : DEFAULT_TIMEOUT_MS / 1000;
  return seconds * 1000 - ANSWER_MARGIN_MS;
}

function tlsOptions(certFile: string, keyFile: string, clientCaFile?: string): SecureContextOptions {
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), ...(clientCaFile ? { ca: readFileSync(clientCaFile) } : {}) };
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<RunningWebhook> {
  // A client certificate is asked for but not required at the handshake: probes of /healthz come without one.
  const server: Server = createServer({
    ...tlsOptions(o.certFile, o.keyFile, o.clientCaFile),
    minVersion: 'TLSv1.2',
    ...(o.clientCaFile ? { requestCert: true, rejectUnauthorized: false } : {}),
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 60_000;

  // cert-manager renews the Secret in place: load the new pair when the files change.
  const watchers: FSWatcher[] = [];
  let reloadTimer: NodeJS.Timeout | undefined;
  const reload = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      try {
        server.setSecureContext(tlsOptions(o.certFile, o.keyFile, o.clientCaFile));
        o.log.info('TLS certificate reloaded');
      } catch (err) {
        o.log.error({ err: (err as Error).message }, 'TLS certificate could not be reloaded; the old one stays');
      }
    }, 200);
  };
  for (const f of [o.certFile, o.keyFile, ...(o.clientCaFile ? [o.clientCaFile] : [])]) {
    try {
      watchers.push(watch(f, reload));
    } catch {
      // A file that cannot be watched is reloaded on SIGHUP only.
    }
  }
  process.on('SIGHUP', reload);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, o).catch((err: unknown) => {
      o.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'webhook request failed');
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('tlsClientError', (err) => o.log.debug({ err: err.message }, 'TLS handshake failed'));

  const m = /^(.*):(\d+)$/.exec(o.listen);
  const host = m![1]!.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m![2]), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(reloadTimer);
        for (const w of watchers) w.close();
        process.off('SIGHUP', reload);
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

function plain(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      resolve('too-large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > limit) return; // answered already; the connection closes after the answer
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, o: WebhookServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://webhook');
  const path = url.pathname;
  if (path === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'GET only\n', { allow: 'GET' });
    return o.healthy() ? plain(res, 200, 'ok\n') : plain(res, 503, 'the lease store does not answer\n');
  }
  if (path === '/metrics') {
    if (req.method !== 'GET') return plain(res, 405, 'GET only\n', { allow: 'GET' });
    res.writeHead(200, { 'content-type': o.metrics.registry.contentType });
    res.end(await o.metrics.registry.metrics());
    return;
  }
  const route = /^\/(mutate|validate)(?:\/([a-z]+))?$/.exec(path);
  if (!route || (route[1] === 'validate' && route[2] !== undefined)) {
    o.metrics.badRequests.inc({ code: '404' });
    return plain(res, 404, 'not found: POST /mutate, /mutate/<pod|namespace|none>, /validate; GET /healthz, /metrics\n');
  }
  let forced: SharingPolicy | undefined;
  if (route[2] !== undefined) {
    if (!(SHARING_POLICIES as readonly string[]).includes(route[2])) {
      o.metrics.badRequests.inc({ code: '404' });
      return plain(res, 404, `not found: ${route[2]} is not a sharing policy (pod, namespace, none)\n`);
    }
    forced = route[2] as SharingPolicy;
  }
  if (o.clientCaFile && !(req.socket as TLSSocket).authorized) {
    o.metrics.badRequests.inc({ code: '401' });
    req.resume();
    return plain(res, 401, 'a client certificate signed by --tls-client-ca is required\n');
  }
  if (req.method !== 'POST') {
    o.metrics.badRequests.inc({ code: '405' });
    return plain(res, 405, 'POST an AdmissionReview\n', { allow: 'POST' });
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    o.metrics.badRequests.inc({ code: '415' });
    req.resume();
    return plain(res, 415, `content-type must be application/json, not ${JSON.stringify(type)}\n`);
  }
  const started = Date.now();
  const deadline = started + requestBudgetMs(url);
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'too-large') {
    o.metrics.badRequests.inc({ code: '413' });
    return plain(res, 413, `the body is larger than ${MAX_BODY_BYTES} bytes\n`, { connection: 'close' });
  }
  let review;
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ReviewError(`the body is not JSON: ${(err as Error).message}`);
    }
    review = parseReview(parsed);
  } catch (err) {
    if (!(err instanceof ReviewError)) throw err;
    o.metrics.badRequests.inc({ code: '400' });
    return plain(res, 400, `${err.message}\n`);
  }
  const outcome = await o.admitter.admit(review, { deadline, ...(forced ? { forced } : {}), validating: route[1] === 'validate' });
  const ms = Date.now() - started;
  o.metrics.admissions.inc({ operation: review.operation, outcome: outcome.outcome, allowed: String(outcome.allowed) });
  o.metrics.duration.observe({ operation: review.operation }, ms / 1000);
  const fields = {
    uid: review.uid,
    operation: review.operation,
    namespace: review.namespace,
    name: review.name,
    dryRun: review.dryRun,
    outcome: outcome.outcome,
    allowed: outcome.allowed,
    latencyMs: ms,
    ...(outcome.leaseId ? { leaseId: outcome.leaseId, level: outcome.level, workloadId: outcome.workloadId } : {}),
    ...(outcome.allowed ? {} : { message: outcome.message }),
  };
  if (outcome.outcome !== 'ignored') (outcome.allowed ? o.log.info.bind(o.log) : o.log.warn.bind(o.log))(fields, 'admission');
  const text = JSON.stringify(reviewResponse(review.uid, outcome));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
