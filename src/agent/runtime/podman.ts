/**
 * Podman through its libpod REST API on the service's unix socket
 * (`podman system service`, or systemd's podman.socket), with node:http.
 *
 * list(): one GET /libpod/containers/json?all=true, plus one inspect for
 * each container not seen before (annotations and ProcessLabel are only in
 * inspect; both are fixed at creation, so they are cached by id), plus a
 * look at /proc for every container Podman calls running.
 *
 * watch(): GET /libpod/events?stream=true, newline-delimited JSON. When the
 * service goes away (restart, crash) the stream reconnects and replays from
 * shortly before the last event it saw (`since`), dropping repeats, so
 * events written while it was down (the CLI writes them without the
 * service) are delivered too. Every probe interval it also looks for
 * "running" containers whose process is gone: Podman learns of a death only
 * from conmon's exit file, and emits nothing when conmon was killed.
 */
import * as http from 'node:http';
import { LineSplitter } from './ndjson.js';
import { AsyncQueue } from './queue.js';
import { Backoff, delay, mapLimit } from './limit.js';
import { processVerdict, type ProcessVerdict } from './proc.js';
import {
  parsePodmanEventLine,
  podmanDetailsFromInspect,
  podmanWorkload,
  PodmanDeathTracker,
  ReplayCursor,
  type PodmanDetails,
} from './podman-map.js';
import { objectAt, stringAt } from './json.js';
import {
  RuntimeUnavailableError,
  SILENT_LOGGER,
  type ContainerRuntime,
  type RuntimeEvent,
  type RuntimeInfo,
  type RuntimeLogger,
  type RuntimeWorkload,
} from './types.js';

export interface PodmanRuntimeOptions {
  /** The API socket; default: defaultPodmanSocket(). */
  readonly socketPath?: string;
  /** Parallel inspect calls during list(). */
  readonly inspectConcurrency?: number;
  /** Deadline of one non-streaming request. */
  readonly requestTimeoutMs?: number;
  /** Reconnection backoff of the event stream. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** How often watch() looks for running containers whose process is gone; 0 turns it off. */
  readonly probeIntervalMs?: number;
  /**
   * Check /proc for the processes of running containers. Needs the host's
   * (the runtime's) pid namespace; the adapter only believes a process gone
   * after it has found some container's process where Podman said it is.
   */
  readonly checkProcesses?: boolean;
  readonly procRoot?: string;
  readonly logger?: RuntimeLogger;
}

/** Rootful: /run/podman/podman.sock; rootless: $XDG_RUNTIME_DIR/podman/podman.sock. */
export function defaultPodmanSocket(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (uid !== 0) {
    const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
    return `${runtimeDir}/podman/podman.sock`;
  }
  return '/run/podman/podman.sock';
}

const API = '/v4.0.0/libpod';
const EVENT_FILTERS = encodeURIComponent(JSON.stringify({ type: ['container'] }));

interface Reply {
  readonly status: number;
  readonly body: string;
}

export class PodmanRuntime implements ContainerRuntime {
  readonly kind = 'podman' as const;
  readonly socketPath: string;
  private readonly agent: http.Agent;
  private readonly details = new Map<string, PodmanDetails>();
  private readonly watches = new Set<AbortController>();
  private readonly logger: RuntimeLogger;
  private readonly opts: Required<Omit<PodmanRuntimeOptions, 'socketPath' | 'logger'>>;
  /** Set once /proc showed a container's process where Podman said: we see the runtime's pids. */
  private seesRuntimePids = false;

  constructor(options: PodmanRuntimeOptions = {}) {
    this.socketPath = options.socketPath ?? defaultPodmanSocket();
    this.logger = options.logger ?? SILENT_LOGGER;
    this.opts = {
      inspectConcurrency: options.inspectConcurrency ?? 8,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      reconnectMinMs: options.reconnectMinMs ?? 100,
      reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
      probeIntervalMs: options.probeIntervalMs ?? 10_000,
      checkProcesses: options.checkProcesses ?? true,
      procRoot: options.procRoot ?? '/proc',
    };
    // Kept-alive connections: the inspects of one list reuse a few sockets.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: this.opts.inspectConcurrency });
  }

  async version(): Promise<RuntimeInfo> {
    const v = await this.getJson(`${API}/version`);
    const components = Array.isArray((v as { Components?: unknown }).Components) ? (v as { Components: unknown[] }).Components : [];
    const engine = components.find((c) => stringAt(c, 'Name') === 'Podman Engine');
    const version = stringAt(v, 'Version') ?? '';
    return {
      kind: 'podman',
      name: 'podman',
      version,
      apiVersion: stringAt(objectAt(engine, 'Details'), 'APIVersion') ?? version,
    };
  }

  async list(): Promise<RuntimeWorkload[]> {
    const entries = await this.listEntries();
    const ids = new Set<string>();
    const toInspect: string[] = [];
    for (const e of entries) {
      const id = stringAt(e, 'Id');
      if (!id) continue;
      ids.add(id);
      if (!this.details.has(id)) toInspect.push(id);
    }
    await mapLimit(toInspect, this.opts.inspectConcurrency, async (id) => {
      const d = await this.inspect(id);
      if (d) this.details.set(id, d);
    });
    for (const id of this.details.keys()) if (!ids.has(id)) this.details.delete(id);

    const workloads: RuntimeWorkload[] = [];
    for (const e of entries) {
      const w = podmanWorkload(e, this.details.get(stringAt(e, 'Id') ?? ''));
      if (w) workloads.push(w);
    }
    return this.checkRunning(workloads);
  }

  watch(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    this.watches.add(controller);
    const queue = new AsyncQueue<RuntimeEvent>(stop);
    const done = (): void => {
      signal.removeEventListener('abort', stop);
      this.watches.delete(controller);
    };
    void Promise.all([this.followEvents(queue, controller.signal), this.probeProcesses(queue, controller.signal)]).finally(() => {
      done();
      queue.end();
    });
    return queue;
  }

  close(): void {
    for (const c of this.watches) c.abort();
    this.agent.destroy();
  }

  // --- events ---

  private async followEvents(queue: AsyncQueue<RuntimeEvent>, signal: AbortSignal): Promise<void> {
    const cursor = new ReplayCursor(BigInt(Date.now()) * 1_000_000n);
    const deaths = new PodmanDeathTracker();
    const backoff = new Backoff(this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
    let connected = false;
    while (!signal.aborted && !queue.closed) {
      let ended: string;
      try {
        await this.streamEvents(
          connected ? cursor.since() : undefined,
          signal,
          () => {
            if (connected) this.logger.info({ socket: this.socketPath }, 'podman event stream reconnected');
            connected = true;
            backoff.reset();
          },
          (line) => {
            let record;
            try {
              record = parsePodmanEventLine(line);
            } catch (err) {
              this.logger.warn({ line: line.slice(0, 200), err: String(err) }, 'podman event stream: unreadable line');
              return;
            }
            if (record.event && cursor.admit(record)) queue.push(deaths.refine(record.event));
          },
        );
        ended = 'the service closed the stream';
      } catch (err) {
        if (!connected) {
          // Never connected: a missing socket or a wrong path is a setup error, say so at once.
          queue.fail(err);
          return;
        }
        ended = (err as Error).message;
      }
      if (signal.aborted) return;
      const wait = backoff.next();
      this.logger.warn({ socket: this.socketPath, reason: ended, retryInMs: wait }, 'podman event stream lost; reconnecting');
      await delay(wait, signal);
    }
  }

  /** One connection of the event stream; resolves when the service ends it or the signal aborts. */
  private streamEvents(
    since: string | undefined,
    signal: AbortSignal,
    onConnected: () => void,
    onLine: (line: string) => void,
  ): Promise<void> {
    const path = `${API}/events?stream=true&filters=${EVENT_FILTERS}${since ? `&since=${encodeURIComponent(since)}` : ''}`;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      // Its own connection, not one of the pool the other calls share.
      const req = http.request({ socketPath: this.socketPath, path, method: 'GET', agent: false });
      const onAbort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (err?: Error): void => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      req.on('error', (err) => finish(this.socketError(err)));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          collect(res).then((body) => finish(this.httpError('GET /libpod/events', res.statusCode ?? 0, body)), finish);
          return;
        }
        onConnected();
        const splitter = new LineSplitter();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const line of splitter.push(chunk)) onLine(line);
        });
        res.on('end', () => {
          const last = splitter.flush();
          if (last) onLine(last);
          finish();
        });
        res.on('error', (err) => finish(this.socketError(err)));
        res.on('close', () => finish());
      });
      req.end();
    });
  }

  // --- processes Podman believes running ---

  private async probeProcesses(queue: AsyncQueue<RuntimeEvent>, signal: AbortSignal): Promise<void> {
    if (!this.opts.checkProcesses || this.opts.probeIntervalMs <= 0) return;
    const reported = new Set<string>();
    while (!signal.aborted && !queue.closed) {
      await delay(this.opts.probeIntervalMs, signal);
      if (signal.aborted || queue.closed) return;
      let workloads: RuntimeWorkload[];
      try {
        workloads = await this.checkRunning(
          (await this.listEntries()).map((e) => podmanWorkload(e, undefined)).filter((w): w is RuntimeWorkload => w !== undefined),
        );
      } catch {
        continue; // the service is away; the event stream says so already
      }
      const live = new Set<string>();
      for (const w of workloads) {
        const key = `${w.id}/${w.pid ?? ''}`;
        live.add(key);
        if (w.runtimeState === 'running' && w.state === 'exited' && !reported.has(key)) {
          reported.add(key);
          queue.push({
            type: 'died',
            id: w.id,
            role: w.role,
            name: w.name,
            raw: 'process-gone',
            source: 'probe',
            time: new Date(),
            ...(w.pod ? { podId: w.pod.id } : {}),
            labels: w.labels,
          });
        }
      }
      for (const k of reported) if (!live.has(k)) reported.delete(k);
    }
  }

  /**
   * Marks as exited the containers Podman calls running whose process is
   * gone. The pid stays in the workload: it is the process that is gone.
   */
  private async checkRunning(workloads: RuntimeWorkload[]): Promise<RuntimeWorkload[]> {
    if (!this.opts.checkProcesses) return workloads;
    const verdicts = workloads.map((w): ProcessVerdict =>
      w.state === 'running' && w.pid ? processVerdict(w.pid, w.id, this.opts.procRoot) : 'unknown',
    );
    if (verdicts.includes('alive')) this.seesRuntimePids = true;
    if (!this.seesRuntimePids) return workloads;
    return workloads.map((w, i) => (verdicts[i] === 'gone' ? { ...w, state: 'exited' } : w));
  }

  // --- HTTP ---

  private async listEntries(): Promise<unknown[]> {
    const list = await this.getJson(`${API}/containers/json?all=true`);
    if (!Array.isArray(list)) throw new RuntimeUnavailableError(`podman at ${this.socketPath}: the container list is not a JSON array`);
    return list as unknown[];
  }

  /** Inspect details, or undefined when the container is gone meanwhile (404). */
  private async inspect(id: string): Promise<PodmanDetails | undefined> {
    const reply = await this.request(`${API}/containers/${encodeURIComponent(id)}/json`);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) throw this.httpError(`GET /libpod/containers/${id}/json`, reply.status, reply.body);
    return podmanDetailsFromInspect(this.parse(reply.body, 'inspect'));
  }

  private async getJson(path: string): Promise<unknown> {
    const reply = await this.request(path);
    if (reply.status !== 200) throw this.httpError(`GET ${path.replace(API, '/libpod')}`, reply.status, reply.body);
    return this.parse(reply.body, path);
  }

  private parse(body: string, what: string): unknown {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      throw new RuntimeUnavailableError(`podman at ${this.socketPath}: ${what} did not answer JSON: ${body.slice(0, 200)}`);
    }
  }

  private request(path: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        path,
        method: 'GET',
        agent: this.agent,
        timeout: this.opts.requestTimeoutMs,
      });
      req.on('timeout', () =>
        req.destroy(
          new RuntimeUnavailableError(
            `podman at ${this.socketPath}: GET ${path} took longer than ${this.opts.requestTimeoutMs} ms`,
            'ETIMEDOUT',
          ),
        ),
      );
      req.on('error', (err) => reject(this.socketError(err)));
      req.on('response', (res) => {
        collect(res).then(
          (body) => resolve({ status: res.statusCode ?? 0, body }),
          (err: Error) => reject(this.socketError(err)),
        );
      });
      req.end();
    });
  }

  private socketError(err: Error): Error {
    if (err instanceof RuntimeUnavailableError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    const path = this.socketPath;
    switch (code) {
      case 'ENOENT':
        return new RuntimeUnavailableError(
          `the Podman API socket ${path} does not exist: start the service (systemctl enable --now podman.socket, ` +
            `or podman system service --time 0 unix://${path}) or give the right socket path`,
          code,
        );
      case 'ECONNREFUSED':
        return new RuntimeUnavailableError(`nothing accepts connections on the Podman API socket ${path} (is the service running?)`, code);
      case 'EACCES':
        return new RuntimeUnavailableError(`no permission to connect to the Podman API socket ${path}`, code);
      case 'ENOTSOCK':
        return new RuntimeUnavailableError(`${path} is not a socket`, code);
      default:
        return new RuntimeUnavailableError(`podman at ${path}: ${err.message}`, code);
    }
  }

  private httpError(what: string, status: number, body: string): Error {
    let message = body.trim().slice(0, 300);
    try {
      const parsed = JSON.parse(body) as unknown;
      message = stringAt(parsed, 'message') ?? stringAt(parsed, 'cause') ?? message;
    } catch {
      // not JSON: keep the text
    }
    return new RuntimeUnavailableError(`podman at ${this.socketPath}: ${what} answered ${status}: ${message}`, `HTTP_${status}`);
  }
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
