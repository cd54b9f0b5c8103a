/**
 * The built executable with its embedded redis-server (no --redis): data
 * survives restarts, a graceful stop leaves nothing running, a crash's
 * orphaned redis-server is taken over, and a missing redis-server is
 * reported with a way out.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease__Output } from '../../src/generated/mcs/v1/Lease.js';
import {
  ensureBuilt,
  killAllCli,
  killPid,
  pidAlive,
  processesMatching,
  runCli,
  waitServing,
  waitUntil,
  type CliProcess,
} from '../../testkit/process.js';
import { freePort } from '../../testkit/redis-server.js';
import type { TestClient } from '../support/service.js';

const GRACE_SECONDS = 3;
const dirs: string[] = [];
const redisPids = new Set<number>();
const clients: TestClient[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await killAllCli();
  for (const pid of redisPids) killPid(pid);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Pid of the redis-server the service says it started (from its JSON log). */
function embeddedRedisPid(p: CliProcess): number {
  const line = p.logs().find((l) => l.msg === 'embedded redis started (AOF on, fsync always)');
  expect(line, `no "embedded redis started" line in:\n${p.stdout}`).toBeDefined();
  const pid = Number(line!.pid);
  expect(Number.isInteger(pid) && pid > 0).toBe(true);
  redisPids.add(pid);
  return pid;
}

/** True if a Redis answers PING on this unix socket. */
async function socketAnswers(path: string): Promise<boolean> {
  const probe = new Redis({ path, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 500 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function startServe(dataDir: string): Promise<{ proc: CliProcess; client: TestClient; redisPid: number }> {
  const address = `127.0.0.1:${await freePort()}`;
  const proc = runCli(['serve', '--data-dir', dataDir, '--listen', address, '--shutdown-grace', String(GRACE_SECONDS)]);
  const client = await waitServing(proc, address);
  clients.push(client);
  return { proc, client, redisPid: embeddedRedisPid(proc) };
}

/** SIGTERM, then: exit 0 within the grace period (plus slack), nothing left behind. */
async function stopGracefully(proc: CliProcess, redisPid: number, dataDir: string): Promise<void> {
  proc.kill('SIGTERM');
  const exit = await proc.waitExit(GRACE_SECONDS * 1000 + 5000);
  expect(exit, proc.stderr).toEqual({ code: 0, signal: null });
  await waitUntil('the embedded redis-server to be gone', () => !pidAlive(redisPid), 5000);
  expect(existsSync(join(dataDir, 'owner.pid'))).toBe(false);
  expect(await socketAnswers(join(dataDir, 'redis.sock'))).toBe(false);
}

/** What must survive a restart, in a comparable form. */
function fingerprint(leases: Lease__Output[]): string[][] {
  return leases
    .map((l) => [l.lease_id, l.host, l.workload_id, l.level, l.process_label, l.fencing_token])
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

async function listAll(client: TestClient): Promise<Lease__Output[]> {
  const res = await client.ListLeases({ page_size: 1000 });
  expect(res.next_page_token).toBe('');
  return res.leases;
}

/** Running redis-server processes serving this data directory. */
function redisServersOf(dataDir: string): number[] {
  return processesMatching('redis-server', dataDir);
}

describe('serve with the embedded redis-server', () => {
  it('keeps every lease across a graceful restart and leaves nothing running after SIGTERM', async () => {
    const dataDir = tempDir('mcs-emb-');
    const first = await startServe(dataDir);
    expect(pidAlive(first.redisPid)).toBe(true);
    expect(redisServersOf(dataDir)).toEqual([first.redisPid]);
    expect(await socketAnswers(join(dataDir, 'redis.sock'))).toBe(true);
    expect(existsSync(join(dataDir, 'owner.pid'))).toBe(true);
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);

    const granted: Lease__Output[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await first.client.Allocate({ host: 'node-1', workload_id: `ctr-${i}` });
      expect(res.created).toBe(true);
      granted.push(res.lease);
    }
    expect(new Set(granted.map((l) => l.level)).size).toBe(20);

    await stopGracefully(first.proc, first.redisPid, dataDir);
    expect(redisServersOf(dataDir)).toEqual([]);

    const second = await startServe(dataDir);
    expect(second.redisPid).not.toBe(first.redisPid);
    // No takeover warning: the graceful stop left nothing behind.
    expect(second.proc.logs().some((l) => /left running/.test(String(l.msg)))).toBe(false);
    expect(fingerprint(await listAll(second.client))).toEqual(fingerprint(granted));
    for (const lease of granted) {
      const again = await second.client.Allocate({ host: 'node-1', workload_id: lease.workload_id });
      expect(again.created).toBe(false);
      expect(again.lease.level).toBe(lease.level);
      expect(again.lease.lease_id).toBe(lease.lease_id);
    }
    const stats = await second.client.GetPoolStats({});
    // Default range and the default reserved pair s0:c1022,c1023.
    expect(stats).toMatchObject({ category_range: 'c0.c1023', total: '523776', leased: '20', reserved: '1', free: String(523776 - 21) });
    await stopGracefully(second.proc, second.redisPid, dataDir);
  });

  it('takes over the redis-server a SIGKILLed service left running, and keeps its leases', async () => {
    const dataDir = tempDir('mcs-emb-');
    const first = await startServe(dataDir);
    const granted: Lease__Output[] = [];
    for (let i = 0; i < 5; i++) granted.push((await first.client.Allocate({ host: 'node-2', workload_id: `vm-${i}` })).lease);

    // Crash: SIGKILL runs no exit hook, so the redis-server child keeps running.
    first.proc.kill('SIGKILL');
    expect(await first.proc.waitExit(5000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(pidAlive(first.redisPid)).toBe(true);
    expect(await socketAnswers(join(dataDir, 'redis.sock'))).toBe(true);

    const second = await startServe(dataDir);
    const takeover = second.proc.logs().find((l) => /redis-server left running/.test(String(l.msg)));
    expect(takeover, second.proc.stdout).toBeDefined();
    expect(takeover!.level).toBe(40);
    // The orphan was shut down, not left next to the new one.
    await waitUntil('the orphaned redis-server to be gone', () => !pidAlive(first.redisPid), 5000);
    expect(redisServersOf(dataDir)).toEqual([second.redisPid]);
    expect(fingerprint(await listAll(second.client))).toEqual(fingerprint(granted));
    expect(await second.client.GetPoolStats({})).toMatchObject({ leased: '5' });
    const fresh = await second.client.Allocate({ host: 'node-2', workload_id: 'after-crash' });
    expect(fresh.created).toBe(true);
    expect(granted.map((l) => l.level)).not.toContain(fresh.lease.level);

    await stopGracefully(second.proc, second.redisPid, dataDir);
    expect(redisServersOf(dataDir)).toEqual([]);
  });

  it('refuses (exit 1, no hang) to start next to a leftover redis-server that does not answer', async () => {
    const dataDir = tempDir('mcs-emb-');
    const first = await startServe(dataDir);
    const lease = (await first.client.Allocate({ host: 'node-3', workload_id: 'kept' })).lease;
    first.proc.kill('SIGKILL');
    await first.proc.waitExit(5000);
    // The orphan is frozen: its socket accepts connections, nothing answers.
    process.kill(first.redisPid, 'SIGSTOP');
    try {
      const blocked = runCli(['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`]);
      const exit = await blocked.waitExit(20_000);
      expect(exit, blocked.stdout).toEqual({ code: 1, signal: null });
      expect(blocked.stderr).toContain(join(dataDir, 'redis.sock'));
      expect(blocked.stderr).toMatch(/does not answer/);
      // It did not start a second redis-server on the same AOF.
      expect(blocked.logs().some((l) => l.msg === 'embedded redis started (AOF on, fsync always)')).toBe(false);
      expect(redisServersOf(dataDir)).toEqual([first.redisPid]);
    } finally {
      process.kill(first.redisPid, 'SIGCONT');
    }

    // Once the orphan answers again, the next start takes it over as usual.
    const second = await startServe(dataDir);
    await waitUntil('the orphaned redis-server to be gone', () => !pidAlive(first.redisPid), 5000);
    expect((await second.client.GetLease({ lease_id: lease.lease_id })).level).toBe(lease.level);
    await stopGracefully(second.proc, second.redisPid, dataDir);
  });

  it('SIGTERM during startup, right after the embedded redis-server started, leaves nothing running', async () => {
    const dataDir = tempDir('mcs-emb-');
    const address = `127.0.0.1:${await freePort()}`;
    const proc = runCli(['serve', '--data-dir', dataDir, '--listen', address]);
    proc.onOutput(/embedded redis started/, () => proc.kill('SIGTERM'));
    const exit = await proc.waitExit(15_000);
    const redisPid = embeddedRedisPid(proc);
    expect(exit, proc.stdout + proc.stderr).toEqual({ code: 0, signal: null });
    await waitUntil('the embedded redis-server to be gone', () => !pidAlive(redisPid), 5000);
    expect(redisServersOf(dataDir)).toEqual([]);

    // The data directory is usable again straight away.
    const again = await startServe(dataDir);
    expect(await again.client.GetPoolStats({})).toMatchObject({ leased: '0' });
    await stopGracefully(again.proc, again.redisPid, dataDir);
  });
});

describe('serve without redis-server on PATH', () => {
  it('exits 1 and says how to install redis-server or use --redis', async () => {
    const bin = tempDir('mcs-path-');
    mkdirSync(join(bin, 'bin'));
    symlinkSync(process.execPath, join(bin, 'bin', 'node'));
    const dataDir = join(bin, 'data');
    const proc = runCli(['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`], {
      replaceEnv: { PATH: join(bin, 'bin'), HOME: bin },
    });
    const exit = await proc.waitExit(15_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(proc.stderr).toMatch(/redis-server was not found on PATH/);
    expect(proc.stderr).toMatch(/apt-get install redis-server/);
    expect(proc.stderr).toMatch(/--redis redis:\/\//);
    expect(proc.stderr).toMatch(/MCS_REDIS_URL/);
  });
});
