/**
 * Running the built mcsctl (dist/src/ctl/main.js) as a subprocess: one-shot
 * runs with stdin and a result, and long-running ones (leases watch) as
 * CliProcess. Shared by mcsctl*.test.ts and oci*.test.ts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { CliProcess, ensureBuilt, REPO_ROOT } from '../../testkit/process.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, startService, type TestClient } from '../support/service.js';

export const MCSCTL = join(REPO_ROOT, 'dist', 'src', 'ctl', 'main.js');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed (stdin is closed at once without it). */
  readonly input?: string;
  /** Added to the environment (every MCS_* variable of this process is removed first). */
  readonly env?: Record<string, string>;
  /** Exactly this environment instead. */
  readonly replaceEnv?: Record<string, string>;
  readonly timeoutMs?: number;
}

/**
 * The hooks as on an SELinux host talking to the service itself: this
 * machine's kernel has SELinux disabled (the hooks would pass configs
 * through), and no host agent of this machine may answer.
 */
export const HOOK_TEST_ENV = { MCS_SELINUX: 'enabled', MCS_AGENT_SOCKET: '/nonexistent/mcs-allocator-agent.sock' } as const;

const running = new Set<CliProcess>();

function environment(opts: RunOptions): Record<string, string> {
  if (opts.replaceEnv) return { ...opts.replaceEnv };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MCS_')) env[k] = v;
  return Object.assign(env, HOOK_TEST_ENV, opts.env ?? {});
}

/** Starts mcsctl; the caller waits for it (or kills it). */
export function startMcsctl(args: string[], opts: RunOptions = {}): CliProcess {
  const child = spawn(process.execPath, [MCSCTL, ...args], { cwd: REPO_ROOT, env: environment(opts), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // a process that exits before reading its input
  child.stdin.end(opts.input ?? '');
  const p = new CliProcess(child);
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
}

/** Runs mcsctl to its exit. */
export async function mcsctl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const p = startMcsctl(args, opts);
  const exit = await p.waitExit(opts.timeoutMs ?? 30_000);
  return { ...exit, stdout: p.stdout, stderr: p.stderr, ms: Date.now() - started };
}

/** For afterAll: SIGKILLs every mcsctl this module started that still runs. */
export async function killAllMcsctl(): Promise<void> {
  await Promise.all([...running].map((p) => p.dispose()));
}

/** A failed run's output, for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.code} (${r.signal ?? 'no signal'}) after ${r.ms} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/**
 * The service mcsctl talks to in a test file: a real redis-server and the
 * service in-process, started before the file's tests and stopped after
 * them (with every mcsctl still running).
 */
export interface TestService {
  readonly redis: TestRedis;
  readonly service: RunningServer;
  readonly address: string;
  readonly client: TestClient;
}

export function useTestService(onReady: (s: TestService) => void): void {
  let started: TestService | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    const redis = await TestRedis.start();
    const service = await startService(redis.url);
    const address = `127.0.0.1:${service.port}`;
    started = { redis, service, address, client: connect(address) };
    onReady(started);
  }, 120_000);
  afterAll(async () => {
    await killAllMcsctl();
    started?.client.close();
    await started?.service.close();
    await started?.redis.stop();
  });
}
