import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, waitForRedis } from '../../testkit/redis-server.js';
import { openChannel } from './clients.js';
import type { Job, WorkerLine, WorkerResult } from './protocol.js';

/** The repository root, from dist/bench/lib/ (compiled) or bench/lib/ (sources). */
export const REPO_ROOT = (() => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(`${join('dist', 'bench')}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
})();
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
export const WORKER = join(REPO_ROOT, 'dist', 'bench', 'load-worker.js');

// ---------------------------------------------------------------------------
// Every child this process starts is tracked and killed when it exits, fails
// or is interrupted, so a benchmark never leaves redis-server or node behind.

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

export function installCleanup(): void {
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}: stopping every child process\n`);
      killAllChildren();
      process.exit(130);
    });
  }
}

// ---------------------------------------------------------------------------
// /proc readings (Linux).

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** User + system CPU time of a process (all its threads), in ms; NaN if unreadable. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 0; utime and stime are fields 11 and 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** VmRSS and VmHWM (peak) of a process in KiB. */
export function memoryKb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: get('VmRSS'), hwm: get('VmHWM') };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/**
 * CPU time the whole machine spent in user and system mode (all CPUs), and
 * the time the hypervisor stole, in ms. Interrupt time is left out: it is
 * not charged to any process, ours or not.
 */
export function machineCpuMs(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const k = 1000 / ticksPerSecond();
    return { busy: (user + nice + system) * k, steal: steal * k };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}

/** Pids of every child process the harness has running. */
export function ownPids(): number[] {
  return [...children].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------

/**
 * A redis-server child on a free port: no RDB snapshots, AOF off unless asked (then fsync always); with `socket`
 * also on a unix socket, which `url` then names (the harness's own clients stay on TCP).
 */
export class BenchRedis {
  private readonly clients: Redis[] = [];
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly child: ChildProcess,
    private readonly socket: string | undefined,
  ) {}

  static async start(options: { aof: boolean; socket?: boolean }): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mcs-bench-redis-'));
    tempDirs.add(dir);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no'];
    args.push(...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
    const socket = options.socket ? join(dir, 'redis.sock') : undefined;
    if (socket) args.push('--unixsocket', socket, '--unixsocketperm', '700');
    let stderr = '';
    const child = track(spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const r = new BenchRedis(port, dir, child, socket);
    await waitForRedis(port, child, 10_000, () => `: ${stderr}`);
    return r;
  }

  /** What the service is given as --redis. */
  get url(): string {
    return this.socket ? `unix://${this.socket}` : `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** A plain client for the harness; closed by stop(). */
  client(): Redis {
    const c = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    this.clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
    tempDirs.delete(this.dir);
  }
}

/** INFO <section> as key -> value. */
export async function redisInfo(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** cmdstat_<name> of INFO commandstats: calls and microseconds in Redis. */
export async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number; usecPerCall: number }>> {
  const info = await redisInfo(redis, 'commandstats');
  const out: Record<string, { calls: number; usec: number; usecPerCall: number }> = {};
  for (const [k, v] of Object.entries(info)) {
    if (!k.startsWith('cmdstat_')) continue;
    const f = Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string]));
    out[k.slice('cmdstat_'.length)] = { calls: Number(f['calls']), usec: Number(f['usec']), usecPerCall: Number(f['usec_per_call']) };
  }
  return out;
}

export interface ServiceOptions {
  readonly redisUrl: string;
  readonly pool?: string;
  readonly categories?: string;
  readonly reserved?: string;
  /** Run node with --cpu-prof, writing the profile into this directory at exit. */
  readonly cpuProfDir?: string;
}

/**
 * `node dist/src/cli.js serve --bench-noop` against the given Redis, on a free
 * port, at the default log level with stdout (the JSON log) to /dev/null:
 * writing the log is part of what a real deployment pays per call.
 */
export class ServiceProcess {
  stderr = '';
  private constructor(
    readonly address: string,
    readonly child: ChildProcess,
  ) {}

  static async start(o: ServiceOptions): Promise<ServiceProcess> {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const args = [
      ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : []),
      CLI,
      'serve',
      '--redis',
      o.redisUrl,
      '--listen',
      address,
      '--bench-noop',
      ...(o.pool ? ['--pool', o.pool] : []),
      ...(o.categories ? ['--categories', o.categories] : []),
      ...(o.reserved ? ['--reserved', o.reserved] : []),
    ];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MCS_')) env[k] = v;
    // Every service its own metrics port (the Prometheus endpoint, where the
    // service has one), so that two can run side by side; a service without
    // that setting ignores the variable.
    env['MCS_METRICS_LISTEN'] = `127.0.0.1:${await freePort()}`;
    const child = track(spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] }));
    const svc = new ServiceProcess(address, child);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (svc.stderr += d));
    const ch = openChannel(address, 'allocator');
    try {
      const until = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the service exited at start (${child.exitCode}): ${svc.stderr}`);
        try {
          await ch.allocator.GetPoolStats({}, { deadlineMs: 1000 });
          break;
        } catch {
          if (Date.now() > until) throw new Error(`the service at ${address} did not answer within 30 s: ${svc.stderr}`);
          await sleep(50);
        }
      }
    } finally {
      ch.close();
    }
    return svc;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGTERM (graceful: a CPU profile gets written), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      this.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}

export interface WorkerHooks {
  onWindowStart?(phase: string, workerPid: number): Promise<void> | void;
  onWindowEnd?(phase: string, workerPid: number): Promise<void> | void;
}

/**
 * Runs one job in a new load-worker process and returns its result. Hooks run
 * in order (each awaited before the next) when the worker opens and closes a
 * measured window.
 */
export async function runWorker(job: Job, hooks: WorkerHooks = {}): Promise<WorkerResult> {
  const child = track(spawn(process.execPath, [WORKER], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => {});
  child.stdin!.write(JSON.stringify(job) + '\n');
  const phases = job.mode === 'allocate-release' || job.mode === 'store-allocate-release' ? 2 : 1;
  const limitMs = phases * (job.warmupMs + job.durationMs) + 180_000;
  let chain: Promise<void> = Promise.resolve();
  let result: WorkerResult | undefined;
  let failure: string | undefined;
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg: WorkerLine;
      try {
        msg = JSON.parse(line) as WorkerLine;
      } catch {
        continue;
      }
      if (msg.event === 'window-start' && hooks.onWindowStart) chain = chain.then(() => hooks.onWindowStart!(msg.phase, child.pid!));
      else if (msg.event === 'window-end' && hooks.onWindowEnd) chain = chain.then(() => hooks.onWindowEnd!(msg.phase, child.pid!));
      else if (msg.event === 'result') result = msg.result;
      else if (msg.event === 'error') failure = msg.message;
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exit = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  child.stdin!.end();
  await chain;
  if (!result) throw new Error(`load worker (${job.mode}) failed (exit ${exit}): ${failure ?? ''}\n${stderr}`);
  return result;
}
