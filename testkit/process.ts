import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { LOADER_OPTIONS } from '../src/proto.js';
import { connectAllocator, type AllocatorClient } from '../src/client/allocator-client.js';

/** The checkout: the directory above this file (from testkit/ and from dist/testkit/) with the package.json. */
export const REPO_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir + sep;
})();
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

/**
 * Builds dist/ when a source is newer than the last build (the project's own
 * check). The build starts by deleting dist/, so test files running in
 * parallel workers take a lock first: one builds, the others wait and then
 * find the build fresh.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), `mcs-allocator-build-${createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than any build is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 170_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > until) throw new Error(`timed out waiting for the build lock ${lock}`, { cause: err });
      await sleep(100);
    }
  }
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['scripts/ensure-ready.mjs'], { cwd: REPO_ROOT }, (err, _stdout, stderr) =>
        err ? reject(new Error(`build failed: ${err.message}\n${stderr}`)) : resolve(),
      ),
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `node dist/src/cli.js ...` with its output collected. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private readonly watchers: { pattern: RegExp; fn: () => void }[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      for (const w of [...this.watchers]) {
        if (w.pattern.test(this.stdout)) {
          this.watchers.splice(this.watchers.indexOf(w), 1);
          w.fn();
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': it comes after stdout and stderr are fully read.
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Parsed JSON log lines (pino writes one object per line to stdout). */
  logs(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** Waits for the exit; rejects (after killing the process) if it takes longer than timeoutMs. */
  async waitExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(new Error(`process ${this.pid} did not exit within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs fn as soon as stdout matches (checked on every chunk, no polling delay). */
  onOutput(pattern: RegExp, fn: () => void): void {
    if (pattern.test(this.stdout)) fn();
    else this.watchers.push({ pattern, fn });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  /** Kills it (SIGKILL) if still running and waits for the exit: for afterAll. */
  async dispose(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const spawned = new Set<CliProcess>();

/**
 * Starts the built CLI. `env` is added to a copy of this process's
 * environment with every MCS_* variable removed, so the caller's shell
 * cannot leak settings into a test; pass `replaceEnv` to use exactly that
 * environment instead.
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; replaceEnv?: Record<string, string> } = {}): CliProcess {
  let env: Record<string, string>;
  if (opts.replaceEnv) {
    env = { ...opts.replaceEnv };
  } else {
    env = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MCS_')) env[k] = v;
    // Several services run side by side: metrics on a port of the OS's choice.
    env.MCS_METRICS_LISTEN = '127.0.0.1:0';
    Object.assign(env, opts.env ?? {});
  }
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = new CliProcess(child);
  spawned.add(p);
  void p.exited.then(() => spawned.delete(p));
  return p;
}

/** SIGKILLs every CLI process this module started that is still running. */
export async function killAllCli(): Promise<void> {
  await Promise.all([...spawned].map((p) => p.dispose()));
}

/**
 * True if a process with this pid is running. A zombie (exited, not yet
 * reaped: orphans in a container whose init does not reap) counts as gone.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Pids of running processes whose command line contains every one of the given strings (Linux /proc). */
export function processesMatching(...parts: string[]): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (parts.every((p) => cmdline.includes(p)) && pidAlive(Number(entry))) out.push(Number(entry));
  }
  return out;
}

/** SIGKILLs a pid if it is still running (cleanup of processes we did not spawn directly). */
export function killPid(pid: number | undefined): void {
  if (pid === undefined || !pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err as Error;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`, last ? { cause: last } : {});
    }
    await sleep(50);
  }
}

/**
 * Waits until the service at `address` answers GetPoolStats; fails early if
 * the process exits first.
 */
export async function waitServing(proc: CliProcess, address: string, timeoutMs = 20_000): Promise<AllocatorClient> {
  const client = connectAllocator(address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
  try {
    await waitUntil(
      `the service at ${address} to answer`,
      async () => {
        if (!proc.running) throw new Error(`the service exited early\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`);
        try {
          await client.GetPoolStats({}, { deadlineMs: 1000 });
          return true;
        } catch (err) {
          if (!proc.running) throw new Error(`the service exited early\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`, { cause: err });
          return false;
        }
      },
      timeoutMs,
    );
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

export interface HealthClient {
  check(service: string, deadlineMs?: number): Promise<string>;
  close(): void;
}

/** A grpc.health.v1.Health client built from the grpc-health-check package's proto. */
export function healthClient(address: string): HealthClient {
  const def = protoLoader.loadSync(healthProtoPath, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const raw = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return {
    check: (service, deadlineMs = 2000) =>
      new Promise((resolve, reject) => {
        const check = raw['Check'] as unknown as (
          req: { service: string },
          opts: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
        ) => void;
        check.call(raw, { service }, { deadline: new Date(Date.now() + deadlineMs) }, (err, res) =>
          err ? reject(err) : resolve(res!.status),
        );
      }),
    close: () => raw.close(),
  };
}
