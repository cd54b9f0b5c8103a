import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on 127.0.0.1 (the OS picks it; the probe socket closes at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the redis-server `child` answers PING on `port`; throws when
 * it exits first or takes longer than `timeoutMs`.
 */
export async function waitForRedis(port: number, child: ChildProcess, timeoutMs = 10_000, detail: () => string = () => ''): Promise<void> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start${detail()}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    }
  } finally {
    probe.disconnect();
  }
}

export interface TestRedisOptions {
  /** Keep data across stop/start (AOF, fsync always). */
  readonly persistent?: boolean;
  /** More redis-server arguments, e.g. ['--replicaof', '127.0.0.1', '6380'] or cluster settings. */
  readonly args?: readonly string[];
  /** Start in Sentinel mode with this configuration text (the port line is added). */
  readonly sentinelConfig?: string;
}

/**
 * A real redis-server child on a free port, owned by one test file. It can be
 * stopped and started again on the same port and data directory, which is
 * how failure tests take Redis away and bring it back.
 */
export class TestRedis {
  readonly dir: string;
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly options: TestRedisOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'mcs-redis-'));
  }

  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), options);
    await r.startProcess();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A plain client for assertions on raw state; the caller quits it. */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /** Starts the process; `extraArgs` are added for this start only (a restart as a replica, say). */
  async startProcess(extraArgs: readonly string[] = []): Promise<void> {
    let args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--daemonize', 'no'];
    args.push(...(this.options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
    args.push(...(this.options.args ?? []), ...extraArgs);
    if (this.options.sentinelConfig !== undefined) {
      // Sentinel rewrites its configuration file, so it gets one of its own.
      const file = join(this.dir, 'sentinel.conf');
      if (!existsSync(file)) writeFileSync(file, `port ${this.port}\nbind 127.0.0.1\ndir ${this.dir}\n${this.options.sentinelConfig}\n`);
      args = [file, '--sentinel'];
    }
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    await waitForRedis(this.port, child);
  }

  /** Stops the process (SIGTERM: a clean shutdown that flushes the AOF) and waits for it. */
  async stopProcess(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.child = undefined;
  }

  /** Freezes the process: connections stay open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.stopProcess('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
