/**
 * The built `mcs-allocator serve` command line: help, validation of every
 * kind of bad value (exit 2), environment variables and their precedence,
 * and the refusal to open a pool stored with other categories (exit 1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, killAllCli, runCli, waitServing, waitUntil, type CliProcess } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { CONSTANTS } from '../../src/store/contract.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { layout3CounterKeys, rewriteAsLayout3 } from '../support/store-layout.js';
import { startService, type TestClient } from '../support/service.js';

let redis: TestRedis;
let dataDir: string;
const clients: TestClient[] = [];

beforeAll(async () => {
  await ensureBuilt();
  redis = await TestRedis.start();
  dataDir = mkdtempSync(join(tmpdir(), 'mcs-cli-'));
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await killAllCli();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A run that must end on its own (validation or start failure). */
async function runToExit(args: string[], env: Record<string, string> = {}): Promise<CliProcess & { code: number | null }> {
  const p = runCli(args, { env });
  const exit = await p.waitExit(15_000);
  expect(exit.signal).toBeNull();
  return Object.assign(p, { code: exit.code });
}

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ proc: CliProcess; client: TestClient; address: string }> {
  const proc = runCli(['serve', '--shutdown-grace', '1', ...args], { env });
  const listen = args[args.indexOf('--listen') + 1] ?? env.MCS_LISTEN;
  if (!listen) throw new Error('serve() needs --listen or MCS_LISTEN');
  const client = await waitServing(proc, listen);
  clients.push(client);
  return { proc, client, address: listen };
}

async function stop(proc: CliProcess): Promise<void> {
  proc.kill('SIGTERM');
  expect(await proc.waitExit(10_000), proc.stderr).toEqual({ code: 0, signal: null });
}

const FLAGS: [string, string][] = [
  ['--listen', 'MCS_LISTEN'],
  ['--redis', 'MCS_REDIS_URL'],
  ['--data-dir', 'MCS_DATA_DIR'],
  ['--pool', 'MCS_POOL'],
  ['--categories', 'MCS_CATEGORIES'],
  ['--profile', 'MCS_PROFILE'],
  ['--reserved', 'MCS_RESERVED'],
  ['--log-level', 'MCS_LOG_LEVEL'],
  ['--redis-timeout', 'MCS_REDIS_TIMEOUT'],
  ['--reap-interval', 'MCS_REAP_INTERVAL'],
  ['--shutdown-grace', 'MCS_SHUTDOWN_GRACE'],
];

describe('serve --help', () => {
  it('exits 0 and documents every flag with its environment variable', async () => {
    const p = await runToExit(['serve', '--help']);
    expect(p.code).toBe(0);
    expect(p.stderr).toBe('');
    // One block per option: from its "  --flag" line to the next option line.
    const blocks = new Map<string, string>();
    let current: string | undefined;
    for (const line of p.stdout.split('\n')) {
      const m = /^ {2}(-h, )?(--[a-z-]+)/.exec(line);
      if (m) current = m[2]!;
      else if (!/^ {6,}/.test(line)) current = undefined;
      if (current) blocks.set(current, `${blocks.get(current) ?? ''} ${line.trim()}`);
    }
    for (const [flag, env] of FLAGS) {
      const block = blocks.get(flag);
      expect(block, `${flag} is not in the help:\n${p.stdout}`).toBeDefined();
      // Help text wraps; compare with the whitespace collapsed.
      expect(block!.replace(/\s+/g, ' '), flag).toContain(`env: ${env}`);
    }
    expect(p.stdout).toMatch(/Examples:/);
  });
});

describe('invalid values', () => {
  // Every run also gets a working --redis (unless --redis is what is tested)
  // and a temp --data-dir, so a value wrongly accepted starts a service that
  // the exit timeout catches, never an embedded Redis in the repository.
  const cases: [string, string[], RegExp][] = [
    ['reversed categories', ['--categories', 'c5.c2'], /^mcs-allocator: --categories: .*c5\.c2.*reversed/m],
    ['category above c1023', ['--categories', 'c0.c2000'], /^mcs-allocator: --categories: .*c2000.*above c1023/m],
    ['pool name with a brace', ['--pool', 'a{b'], /^mcs-allocator: --pool: /m],
    ['redis URL scheme', ['--redis', 'ftp://x'], /^mcs-allocator: --redis: .*ftp:\/\/x/m],
    ['unknown profile', ['--profile', 'nosuch'], /^mcs-allocator: --profile: .*nosuch/m],
    ['log level', ['--log-level', 'loud'], /^mcs-allocator: --log-level: /m],
    ['reserved level that is not a pair', ['--reserved', 's0:c1'], /^mcs-allocator: --reserved: s0:c1 is not a pair/m],
    [
      'reserved pair outside the range',
      ['--categories', 'c0.c9', '--reserved', 's0:c3,c12'],
      /^mcs-allocator: --reserved: s0:c3,c12 is outside .*c0\.c9/m,
    ],
    ['listen address', ['--listen', 'nowhere'], /^mcs-allocator: --listen: /m],
    ['redis timeout', ['--redis-timeout', '2s'], /^mcs-allocator: --redis-timeout: /m],
    ['reap interval', ['--reap-interval', '0'], /^mcs-allocator: --reap-interval: /m],
    ['shutdown grace', ['--shutdown-grace', '-1'], /^mcs-allocator: --shutdown-grace: /m],
  ];

  it.each(cases)('%s: exit 2 with a message naming the flag', async (_name, args, message) => {
    const base = ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'];
    if (!args.includes('--redis')) base.push('--redis', redis.url);
    const p = await runToExit([...base, ...args]);
    expect(p.code, p.stdout + p.stderr).toBe(2);
    expect(p.stderr).toMatch(message);
  });

  it('an invalid value from an environment variable is reported under its flag', async () => {
    const p = await runToExit(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--redis', redis.url], { MCS_LOG_LEVEL: 'loud' });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/^mcs-allocator: --log-level: /m);
  });

  it('an unknown flag exits 2', async () => {
    const p = await runToExit(['serve', '--categorie', 'c0.c9']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/unknown option '--categorie'/);
  });
});

describe('environment variables', () => {
  it('configure the service, and a flag beats its environment variable', async () => {
    const envListen = `127.0.0.1:${await freePort()}`;
    const env = {
      MCS_LISTEN: envListen,
      MCS_REDIS_URL: redis.url,
      MCS_DATA_DIR: dataDir,
      MCS_POOL: 'from-env',
      MCS_CATEGORIES: 'c0.c9',
      MCS_RESERVED: 's0:c0,c1',
      MCS_LOG_LEVEL: 'warn',
    };

    const a = await serve([], env);
    expect(await a.client.GetPoolStats({})).toMatchObject({
      pool: 'from-env',
      category_range: 'c0.c9',
      total: '45',
      reserved: '1',
      free: '44',
    });
    const lease = await a.client.Allocate({ host: 'node-1', workload_id: 'w' });
    expect(lease.lease.pool).toBe('from-env');
    expect(lease.lease.level).not.toBe('s0:c0,c1');
    // MCS_LOG_LEVEL=warn: nothing below warn is logged.
    const levels = a.proc.logs().map((l) => Number(l.level));
    expect(levels.length).toBeGreaterThan(0);
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(40);
    await stop(a.proc);

    const flagListen = `127.0.0.1:${await freePort()}`;
    const b = await serve(['--listen', flagListen, '--pool', 'from-flag', '--categories', 'c0.c19', '--log-level', 'info'], env);
    expect(await b.client.GetPoolStats({})).toMatchObject({ pool: 'from-flag', category_range: 'c0.c19', total: '190', reserved: '1' });
    const serving = b.proc.logs().find((l) => l.msg === 'mcs-allocator serving');
    expect(serving?.address).toBe(flagListen);
    expect(b.proc.logs().some((l) => l.level === 30)).toBe(true);
    await stop(b.proc);

    const raw = redis.client();
    try {
      expect(await raw.hget('mcs:{from-env}:meta', 'categories')).toBe('c0.c9');
      expect(await raw.hget('mcs:{from-flag}:meta', 'categories')).toBe('c0.c19');
    } finally {
      raw.disconnect();
    }
  });
});

describe('a pool stored with other categories', () => {
  it('makes serve exit 1 naming the stored categories, and leaves the pool untouched', async () => {
    // The pool "stored" is created with the default range c0.c1023.
    const creator = await startService(redis.url, { pool: 'stored', shutdownGrace: '1' });
    const before = await creator.store.stats();
    await creator.close();
    expect(before).toMatchObject({ categoryRange: 'c0.c1023', total: 523776 });

    const p = await runToExit(['serve', '--redis', redis.url, '--pool', 'stored', '--categories', 'c0.c9', '--listen', '127.0.0.1:0']);
    expect(p.code, p.stdout + p.stderr).toBe(1);
    expect(p.stderr).toMatch(/^mcs-allocator: .*c0\.c1023/m);
    expect(p.stderr).toMatch(/--categories/);

    const raw = redis.client();
    try {
      expect(await raw.hget('mcs:{stored}:meta', 'categories')).toBe('c0.c1023');
      expect(await raw.hget('mcs:{stored}:meta', 'total')).toBe('523776');
    } finally {
      raw.disconnect();
    }
  });
});

describe('a pool written with another key layout', () => {
  it('makes serve exit 1 naming both layout versions, and leaves the pool untouched', async () => {
    const creator = await startService(redis.url, { pool: 'old-layout', categories: 'c0.c9', shutdownGrace: '1' });
    await creator.close();
    const raw = redis.client();
    try {
      await raw.hset('mcs:{old-layout}:meta', 'version', '1');
      const before = await raw.hgetall('mcs:{old-layout}:meta');
      const p = await runToExit([
        'serve',
        '--redis',
        redis.url,
        '--pool',
        'old-layout',
        '--categories',
        'c0.c9',
        '--listen',
        '127.0.0.1:0',
      ]);
      expect(p.code, p.stdout + p.stderr).toBe(1);
      expect(p.stderr).toMatch(
        new RegExp(`^mcs-allocator: pool old-layout .*layout version 1.*reads version ${CONSTANTS.LAYOUT_VERSION}`, 'm'),
      );
      expect(await raw.hgetall('mcs:{old-layout}:meta')).toEqual(before);
    } finally {
      raw.disconnect();
    }
  });
});

describe('a pool of key layout 3', () => {
  it("is moved in place at the start: each host's counters into a hash of its own, the leases and quotas as they were", async () => {
    const pool = 'layout-3';
    const args = ['--redis', redis.url, '--pool', pool, '--categories', 'c0.c9', '--host-quota', '10'];
    const first = await serve(['--listen', `127.0.0.1:${await freePort()}`, ...args]);
    // The static level first: a random pair drawn before it could contain c7, which it would refuse to cover.
    await first.client.Allocate({ host: 'node-2', workload_id: 'd', options: { ...NO_OPTIONS, level: 's0:c7' } });
    const a = await first.client.Allocate({ host: 'node-1', workload_id: 'a' });
    await first.client.Allocate({ host: 'node-1', workload_id: 'b', share_with: a.lease.lease_id });
    await first.client.Allocate({ host: 'node-1', workload_id: 'c' });
    await stop(first.proc);
    const raw = redis.client();
    try {
      // What layout 3 wrote: the same counts in three hashes shared by all hosts.
      const prefix = `mcs:{${pool}}:`;
      const layout4 = { 'node-1': { u: '2', m: '3' }, 'node-2': { u: '9', m: '1', s: '1' } };
      for (const [host, counters] of Object.entries(layout4)) expect(await raw.hgetall(`${prefix}hc:${host}`)).toEqual(counters);
      await rewriteAsLayout3(raw, prefix, Object.keys(layout4));
      expect(await raw.hgetall(`${prefix}hostuse`)).toEqual({ 'node-1': '2', 'node-2': '9' });

      const listen = `127.0.0.1:${await freePort()}`;
      const second = await serve(['--listen', listen, ...args]);
      // The log is written in batches (at least every 100 ms).
      const moved = /"from":3,"to":4,.*"msg":"pool moved from key layout 3 to 4"/;
      await waitUntil('the service logs the move', async () => moved.test(second.proc.stdout), 5_000);
      expect(await raw.hget(`${prefix}meta`, 'version')).toBe(String(CONSTANTS.LAYOUT_VERSION));
      expect(await raw.exists(...layout3CounterKeys(prefix))).toBe(0);
      for (const [host, counters] of Object.entries(layout4)) expect(await raw.hgetall(`${prefix}hc:${host}`)).toEqual(counters);
      // The counts work on: node-1's members in its heartbeat, node-2's quota (its static level blocks 9 pairs).
      expect(Number((await second.client.Heartbeat({ host: 'node-1', ttl_seconds: 0 })).leases)).toBe(3);
      await second.client.Allocate({ host: 'node-2', workload_id: 'e' });
      const over = await second.client.Allocate({ host: 'node-2', workload_id: 'f' }).catch((e: unknown) => e);
      expect(String(over)).toMatch(/host node-2 holds 10 pairs; 1 more would pass its quota of 10/);
      await second.client.Release({ host: 'node-1', workload_id: 'c' });
      await second.client.Release({ host: 'node-2', workload_id: 'd' });
      expect(await raw.hgetall(`${prefix}hc:node-1`)).toEqual({ u: '1', m: '2' });
      expect(await raw.hgetall(`${prefix}hc:node-2`)).toEqual({ u: '1', m: '1' });
      await stop(second.proc);
      // Once moved, a start is an ordinary one.
      const third = await serve(['--listen', `127.0.0.1:${await freePort()}`, ...args]);
      // A move's warning is logged before 'pool opened': once that shows, the warning would have.
      await waitUntil('the service logs the pool opened', async () => third.proc.stdout.includes('"msg":"pool opened"'), 5_000);
      expect(third.proc.stdout).not.toMatch(/pool moved/);
      await stop(third.proc);
    } finally {
      raw.disconnect();
    }
  });
});

describe('the JSON log', () => {
  it('shows a line within a fraction of a second, and writes out what is pending when the process exits', async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const { proc, client } = await serve(['--listen', listen, '--redis', redis.url, '--pool', 'log-batch', '--categories', 'c0.c9']);
    const first = await client.Allocate({ host: 'node-1', workload_id: 'first' });
    const shown = Date.now();
    await new Promise<void>((resolve) => proc.onOutput(new RegExp(first.lease.lease_id), resolve));
    // Lines are written in batches, but no later than 100 ms after they were logged.
    expect(Date.now() - shown).toBeLessThan(1000);
    // Logged just before the signal: still in the batch when shutdown starts.
    const last = await client.Allocate({ host: 'node-1', workload_id: 'last' });
    await stop(proc);
    const lines = proc.logs();
    expect(lines.some((l) => l.method === 'Allocate' && l.leaseId === last.lease.lease_id)).toBe(true);
    expect(lines.at(-1)?.msg).toMatch(/stopped|shut/);
  });
});
