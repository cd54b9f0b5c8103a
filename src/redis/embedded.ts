import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve, join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The embedded default: a redis-server child on a unix socket inside the
 * data directory, with AOF persistence (fsync on every write, so a lease the
 * service acknowledged survives a crash), stopped when the service stops.
 */
export interface EmbeddedRedis {
  readonly socketPath: string;
  readonly dataDir: string;
  /** True when the data directory held no Redis data before this start. */
  readonly fresh: boolean;
  stop(): Promise<void>;
}

export class EmbeddedRedisError extends Error {}

// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; ' +
  'Fedora/RHEL: dnf install redis; macOS: brew install redis) or point the service at a Redis ' +
  'with --redis redis://host:6379 (env MCS_REDIS_URL).';

/**
 * What answers on a unix socket: nothing, a ready Redis, a Redis still
 * loading its data, or something that accepts connections but does not
 * answer (a frozen or wedged redis-server). A raw PING with a deadline: an
 * ioredis probe would wait forever in its ready check (INFO) on a frozen
 * server, and reports every connect failure alike.
 */
type SocketState = 'absent' | 'ready' | 'loading' | 'unresponsive';

const PROBE_TIMEOUT_MS = 1000;

function probeSocket(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<SocketState> {
  return new Promise((resolve) => {
    let reply = '';
    let done = false;
    const finish = (state: SocketState) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    // Connected or not, no answer in time means something is there but wedged.
    const timer = setTimeout(() => finish('unresponsive'), timeoutMs);
    const socket = createConnection(path);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (!reply.includes('\r\n')) return;
      if (reply.startsWith('+PONG')) finish('ready');
      else if (reply.startsWith('-LOADING')) finish('loading');
      else finish('unresponsive');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Refused or no socket file: nothing listens there.
      finish(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'absent' : 'unresponsive');
    });
    socket.on('close', () => finish(reply === '' ? 'absent' : 'unresponsive'));
  });
}

async function ping(path: string): Promise<boolean> {
  return (await probeSocket(path)) === 'ready';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startEmbeddedRedis(dataDirInput: string, log: Logger): Promise<EmbeddedRedis> {
  if (!redisServerAvailable()) throw new EmbeddedRedisError(INSTALL_HINT);
  const dataDir = resolve(dataDirInput);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const socketPath = join(dataDir, 'redis.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new EmbeddedRedisError(`the socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter --data-dir`);
  }
  const ownerFile = join(dataDir, 'owner.pid');

  // A Redis left running on this data directory: refuse if its owner is
  // alive (two writers on one AOF would corrupt it); otherwise it is an
  // orphan of a killed service, so shut it down cleanly and start our own.
  // Never start a second redis-server next to one that is still there.
  if (existsSync(socketPath)) {
    let state = await probeSocket(socketPath);
    // A leftover still loading its AOF answers once loaded; a frozen one may
    // be a passing stall, so give it a few seconds before giving up.
    const loadingUntil = Date.now() + 60_000;
    const stuckUntil = Date.now() + 5_000;
    while ((state === 'loading' && Date.now() < loadingUntil) || (state === 'unresponsive' && Date.now() < stuckUntil)) {
      await new Promise((r) => setTimeout(r, 200));
      state = await probeSocket(socketPath);
    }
    if (state === 'loading' || state === 'unresponsive') {
      throw new EmbeddedRedisError(
        `a process accepts connections on ${socketPath} but does not answer as Redis ` +
          `(${state === 'loading' ? 'still loading its data' : 'no reply to PING'}); it is probably a redis-server left ` +
          'running by a previous mcs-allocator: stop it, then start again',
      );
    }
    if (state === 'ready') {
      const owner = Number(existsSync(ownerFile) ? readFileSync(ownerFile, 'utf8').trim() : NaN);
      if (Number.isInteger(owner) && owner !== process.pid && pidAlive(owner)) {
        throw new EmbeddedRedisError(`data directory ${dataDir} is in use by mcs-allocator process ${owner}`);
      }
      log.warn({ socketPath }, 'embedded redis: shutting down a redis-server left running by a previous process');
      const orphan = new Redis({
        path: socketPath,
        lazyConnect: true,
        enableReadyCheck: false,
        retryStrategy: () => null,
        commandTimeout: 10_000,
      });
      orphan.on('error', () => {});
      await orphan
        .connect()
        .then(() => orphan.call('SHUTDOWN'))
        .catch(() => {});
      orphan.disconnect();
      if (!(await waitFor(async () => (await probeSocket(socketPath)) === 'absent', 10_000))) {
        throw new EmbeddedRedisError(`the redis-server left running on ${socketPath} did not shut down; stop it, then start again`);
      }
    }
  }
  rmSync(socketPath, { force: true });
  // Nothing on disk yet: the pools this Redis will hold are new, and no
  // workload can be running with their labels.
  const fresh = !existsSync(join(dataDir, 'appendonlydir')) && !existsSync(join(dataDir, 'appendonly.aof'));

  const args = [
    '--port',
    '0',
    '--unixsocket',
    socketPath,
    '--unixsocketperm',
    '700',
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dataDir, 'redis.log'),
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // If this process dies without a graceful stop, take the child along.
  const killChild = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.once('exit', killChild);

  const up = await waitFor(async () => exited || (await ping(socketPath)), 15_000);
  if (!up || exited) {
    killChild();
    throw new EmbeddedRedisError(`embedded redis-server did not start; see ${join(dataDir, 'redis.log')}`);
  }
  writeFileSync(ownerFile, `${process.pid}\n`);
  log.info({ socketPath, dataDir, pid: child.pid }, 'embedded redis started (AOF on, fsync always)');

  return {
    socketPath,
    dataDir,
    fresh,
    async stop() {
      process.removeListener('exit', killChild);
      if (!exited) {
        // SIGTERM makes redis-server flush the AOF and exit cleanly.
        const done = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(timer);
      }
      rmSync(ownerFile, { force: true });
      log.info('embedded redis stopped');
    },
  };
}
