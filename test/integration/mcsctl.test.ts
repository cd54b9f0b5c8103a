/**
 * The built mcsctl against a real service (in-process, real redis-server):
 * every command in text and JSON, exit codes 0/1/2/3, unreachable and
 * silent servers, a server answering UNAVAILABLE itself, help, environment
 * variables, and TLS (mutual TLS against a TLS gRPC server of the test's own).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllocatorProto } from '../../src/proto.js';
import { REPO_ROOT, waitUntil } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { rpcError, startService, type TestClient } from '../support/service.js';
import { useTestService, mcsctl, show, startMcsctl, type RunResult } from './mcsctl.helpers.js';

let client: TestClient;
let address: string;

useTestService((s) => ({ client, address } = s));

/** mcsctl against the test service. */
function ctl(args: string[], opts: Parameters<typeof mcsctl>[1] = {}): Promise<RunResult> {
  return mcsctl(['--server', address, ...args], opts);
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await ctl(args);
  expect(r.code, show(r)).toBe(0);
  return r;
}

async function okJson<T = Record<string, any>>(args: string[]): Promise<T> {
  const r = await ok(['--json', ...args]);
  return JSON.parse(r.stdout) as T;
}

async function refused(args: string[], status: string, reason: string): Promise<RunResult> {
  const r = await ctl(args);
  expect(r.code, show(r)).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`^mcsctl: ${status} \\(${reason}\\): `));
  return r;
}

async function usage(args: string[], pattern: RegExp): Promise<RunResult> {
  const r = await ctl(args);
  expect(r.code, show(r)).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(pattern);
  return r;
}

const LEVEL = /^s0:c\d+,c\d+$/;

describe('help', () => {
  const commands = [
    ['allocate'],
    ['release'],
    ['renew'],
    ['heartbeat'],
    ['leases'],
    ['leases', 'list'],
    ['leases', 'get'],
    ['leases', 'watch'],
    ['pools'],
    ['pools', 'stats'],
    ['plan'],
    ['oci'],
    ['oci', 'precreate'],
    ['oci', 'poststop'],
  ];

  it('the top-level help names every command, the global flags and the exit codes', async () => {
    const r = await mcsctl(['--help']);
    expect(r.code, show(r)).toBe(0);
    for (const word of [
      'allocate',
      'release',
      'renew',
      'heartbeat',
      'leases',
      'pools',
      'plan',
      'oci',
      '--server',
      'MCS_SERVER',
      '--timeout',
      '--json',
      '--tls-ca',
      'MCS_TLS_CA',
      '--tls-cert',
      'MCS_TLS_CERT',
      '--tls-key',
      'MCS_TLS_KEY',
      'Exit codes',
    ]) {
      expect(r.stdout).toContain(word);
    }
  });

  it('--version prints the package version', async () => {
    const r = await mcsctl(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe(`${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('every command has --help with examples, exit 0', async () => {
    for (const c of commands) {
      const r = await mcsctl([...c, '--help']);
      expect(r.code, `${c.join(' ')}: ${show(r)}`).toBe(0);
      expect(r.stdout, c.join(' ')).toMatch(/Examples:\n {2}mcsctl /);
    }
  });
});

describe('usage errors exit 2 and send nothing', () => {
  it.each([
    [['frobnicate'], /unknown command/],
    [['allocate', '--workload', 'w'], /required option '--host <host>'/],
    [['allocate', '--host', 'h', '--workload', 'w', '--volume', 'data:Z'], /host path must be absolute/],
    [['allocate', '--host', 'h', '--workload', 'w', '--ttl', 'soon'], /--ttl: "soon" is not a whole number/],
    [['allocate', '--host', 'h', '--workload', 'w', '--format', 'yaml'], /Allowed choices are text, json, podman, env/],
    [['--json', 'allocate', '--host', 'h', '--workload', 'w', '--format', 'podman'], /--json cannot be combined with --format podman/],
    [['--timeout', '0', 'pools', 'stats'], /--timeout: "0" is not a positive number/],
    [['release'], /release needs --lease ID, or --host H and --workload W/],
    [['release', '--host', 'h'], /release needs/],
    [['release', '--lease', 'aaata42dsjvpkud4', '--fencing-token', '-1'], /--fencing-token/],
    [['renew', '--lease', 'aaata42dsjvpkud4', '--ttl', '0'], /--ttl: must be between 1/],
    [['leases', 'get'], /needs a lease id/],
    [['leases', 'list', '--limit', '0'], /--limit: must be between 1/],
    [['plan', '--lease', 'aaata42dsjvpkud4'], /at least one --volume/],
    [['--tls-cert', '/nonexistent/cert.pem', 'pools', 'stats'], /--tls-cert and --tls-key go together/],
    [['--tls-ca', '/nonexistent/ca.pem', 'pools', 'stats'], /--tls-ca: cannot read \/nonexistent\/ca.pem: ENOENT/],
  ])('%j', async (args, pattern) => {
    await usage(args, pattern);
  });

  it('a bare command group prints its help on stderr with exit 2', async () => {
    const r = await ctl(['leases']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: mcsctl leases');
  });
});

describe('allocate', () => {
  it('text: the lease and the volume plan, one line per action with the command', async () => {
    const r = await ok([
      'allocate',
      '--host',
      'a-1',
      '--workload',
      'web',
      '--volume',
      '/srv/web:Z',
      '--volume',
      '/srv/shared:z:ro',
      '--volume',
      '/scratch',
    ]);
    const lease = await client.GetLease({ host: 'a-1', workload_id: 'web' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`allocated lease ${lease.lease_id}`);
    expect(r.stdout).toMatch(new RegExp(`^level\\s+${lease.level}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^process\\s+${lease.process_label}$`, 'm'));
    expect(r.stdout).toMatch(/^claims\s+\/srv\/web \(Z\), \/srv\/shared \(z\)$/m);
    const plan = lines.slice(lines.indexOf('volume plan:') + 1);
    expect(plan).toEqual([
      `  RELABEL_RECURSIVE /srv/web  chcon -R ${lease.mount_label} /srv/web`,
      '  RELABEL_RECURSIVE /srv/shared  chcon -R system_u:object_r:container_ro_file_t:s0 /srv/shared',
      expect.stringMatching(/^ {2}NONE {14}\/scratch {2}# no relabel requested/),
    ]);
  });

  it('json: the AllocateResponse as returned, snake_case, 64-bit integers as strings', async () => {
    const res = await okJson(['allocate', '--host', 'a-1', '--workload', 'api', '--ttl', '300', '--volume', '/srv/api:Z']);
    expect(res.created).toBe(true);
    expect(res.lease.workload_id).toBe('api');
    expect(res.lease.level).toMatch(LEVEL);
    expect(typeof res.lease.fencing_token).toBe('string');
    expect(res.lease.kind).toBe('RANDOM');
    expect(res.lease.expires_at.seconds).toMatch(/^\d+$/);
    expect(res.volume_plan.actions[0]).toMatchObject({
      host_path: '/srv/api',
      action: 'RELABEL_RECURSIVE',
      target_label: res.lease.mount_label,
    });
    expect(await client.GetLease({ lease_id: res.lease.lease_id })).toEqual(res.lease);
  });

  it('a repeat returns the same lease with created=false', async () => {
    const first = await okJson(['allocate', '--host', 'a-1', '--workload', 'again']);
    const second = await okJson(['allocate', '--host', 'a-1', '--workload', 'again']);
    expect(second.created).toBe(false);
    expect(second.lease.lease_id).toBe(first.lease.lease_id);
    const text = await ok(['allocate', '--host', 'a-1', '--workload', 'again']);
    expect(text.stdout.split('\n')[0]).toBe(`existing lease ${first.lease.lease_id} (already held by this workload)`);
  });

  it('--format podman prints the arguments that apply the lease', async () => {
    const r = await ok(['allocate', '--host', 'a-2', '--workload', 'pod-a', '--format', 'podman']);
    const lease = await client.GetLease({ host: 'a-2', workload_id: 'pod-a' });
    expect(r.stdout).toBe(
      `--security-opt label=level:${lease.level} --security-opt label=type:container_t --security-opt label=filetype:container_file_t\n`,
    );
    const kvm = await ok([
      'allocate',
      '--host',
      'a-2',
      '--workload',
      'vm',
      '--type',
      'container_kvm_t',
      '--user',
      'user_u',
      '--format',
      'podman',
    ]);
    expect(kvm.stdout).toMatch(
      /^--security-opt label=level:s0:c\d+,c\d+ --security-opt label=user:user_u --security-opt label=type:container_kvm_t --security-opt label=filetype:container_file_t\n$/,
    );
    const off = await ok(['allocate', '--host', 'a-2', '--workload', 'priv', '--disable', '--format', 'podman']);
    expect(off.stdout).toBe('--security-opt label=disable\n');
  });

  it('--format env prints shell variables that eval back to the lease', async () => {
    const r = await ok(['allocate', '--host', 'a-2', '--workload', 'env-1', '--format', 'env']);
    const lease = await client.GetLease({ host: 'a-2', workload_id: 'env-1' });
    const got = execFileSync(
      '/bin/sh',
      [
        '-c',
        'eval "$1"; printf "%s|" "$MCS_LEASE_ID" "$MCS_LEVEL" "$MCS_PROCESS_LABEL" "$MCS_MOUNT_LABEL" "$MCS_RO_MOUNT_LABEL" "$MCS_FENCING_TOKEN"',
        'sh',
        r.stdout,
      ],
      { encoding: 'utf8' },
    );
    expect(got).toBe(
      [lease.lease_id, lease.level, lease.process_label, lease.mount_label, lease.ro_mount_label, lease.fencing_token, ''].join('|'),
    );
  });

  it('static levels, pods (--share-with) and label options reach the service', async () => {
    const st = await okJson(['allocate', '--host', 'a-3', '--workload', 'db', '--level', 's0:c200,c100', '--filetype', 'container_file_t']);
    expect(st.lease).toMatchObject({ kind: 'STATIC', level: 's0:c100,c200' });
    const join = await okJson(['allocate', '--host', 'a-3', '--workload', 'db-sidecar', '--share-with', st.lease.lease_id]);
    expect(join.lease.lease_id).toBe(st.lease.lease_id);
    expect(join.lease.members).toEqual(['db', 'db-sidecar']);
    const req = await okJson(['allocate', '--host', 'a-3', '--workload', 'r-1', '--request-id', 'req-123', '--profile', 'svirt']);
    expect(req.lease.process_label).toMatch(/^system_u:system_r:svirt_lxc_net_t:/);
  });

  it('refusals exit 1 with status, reason and message on stderr', async () => {
    await ok(['allocate', '--host', 'a-4', '--workload', 'owner', '--volume', '/data:Z']);
    const r = await refused(
      ['allocate', '--host', 'a-4', '--workload', 'intruder', '--volume', '/data:Z'],
      'FAILED_PRECONDITION',
      'VOLUME_CONFLICT',
    );
    expect(r.stderr).toMatch(/volume \/data/);
    await refused(['allocate', '--host', 'a-4', '--workload', 'x', '--type', 'spc_t'], 'PERMISSION_DENIED', 'NOT_ALLOWED');
    await refused(['allocate', '--host', 'a-4', '--workload', 'y', '--level', 's0:c1023,c1022'], 'FAILED_PRECONDITION', 'LEVEL_RESERVED');
    await refused(['allocate', '--host', 'bad host', '--workload', 'z'], 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    await refused(['allocate', '--host', 'a-4', '--workload', 'etc', '--volume', '/etc:Z'], 'FAILED_PRECONDITION', 'RELABEL_NOT_ALLOWED');
    // nothing was written by the refused calls
    await expect(rpcError(client.GetLease({ host: 'a-4', workload_id: 'intruder' }))).resolves.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });
});

describe('release and renew', () => {
  it('by lease id, by host and workload, and one pod member; text and json', async () => {
    const a = await okJson(['allocate', '--host', 'r-1', '--workload', 'one']);
    const r1 = await ok(['release', '--lease', a.lease.lease_id]);
    expect(r1.stdout).toBe(`released lease ${a.lease.lease_id}; the label is back in the pool\n`);

    await ok(['allocate', '--host', 'r-1', '--workload', 'two']);
    expect(await okJson(['release', '--host', 'r-1', '--workload', 'two'])).toEqual({ released: true, remaining_members: 0 });

    const pod = await okJson(['allocate', '--host', 'r-1', '--workload', 'infra']);
    await ok(['allocate', '--host', 'r-1', '--workload', 'app', '--share-with', pod.lease.lease_id]);
    const member = await ok(['release', '--lease', pod.lease.lease_id, '--workload', 'app']);
    expect(member.stdout).toMatch(/1 member\(s\) still hold the lease/);
    expect((await client.GetLease({ lease_id: pod.lease.lease_id })).members).toEqual(['infra']);
  });

  it('releasing what is not held succeeds with released=false', async () => {
    const r = await ok(['release', '--host', 'r-1', '--workload', 'never-was']);
    expect(r.stdout).toMatch(/^nothing to release: workload never-was on r-1 holds no active lease/);
    expect(await okJson(['release', '--lease', 'aaaaaaaaaaaaaaaa'])).toEqual({ released: false, remaining_members: 0 });
  });

  it('a stale fencing token is refused', async () => {
    const a = await okJson(['allocate', '--host', 'r-2', '--workload', 'fenced']);
    await refused(['release', '--lease', a.lease.lease_id, '--fencing-token', '1'], 'FAILED_PRECONDITION', 'FENCING_TOKEN_MISMATCH');
    expect(await okJson(['release', '--lease', a.lease.lease_id, '--fencing-token', a.lease.fencing_token])).toMatchObject({
      released: true,
    });
  });

  it('renew moves the expiry; an unknown lease is NOT_FOUND', async () => {
    const a = await okJson(['allocate', '--host', 'r-3', '--workload', 'ttl', '--ttl', '30']);
    const before = Date.now();
    const res = await okJson(['renew', '--lease', a.lease.lease_id, '--ttl', '3600']);
    const expires = Number(res.lease.expires_at.seconds) * 1000;
    expect(expires).toBeGreaterThan(before + 3590_000);
    expect(expires).toBeLessThan(Date.now() + 3610_000);
    const text = await ok(['renew', '--lease', a.lease.lease_id, '--ttl', '60']);
    expect(text.stdout).toMatch(new RegExp(`^renewed ${a.lease.lease_id}: expires \\d{4}-\\d\\d-\\d\\dT`));
    await refused(['renew', '--lease', 'aaaaaaaaaaaaaaaa', '--ttl', '60'], 'NOT_FOUND', 'LEASE_NOT_FOUND');
  });
});

describe('heartbeat', () => {
  it("counts the host's leases", async () => {
    await ok(['allocate', '--host', 'hb-1', '--workload', 'a']);
    await ok(['allocate', '--host', 'hb-1', '--workload', 'b']);
    const res = await okJson(['heartbeat', '--host', 'hb-1']);
    expect(res.leases).toBe('2');
    const text = await ok(['heartbeat', '--host', 'hb-1', '--ttl', '30']);
    expect(text.stdout).toMatch(/^host hb-1: alive.*2 leases/);
  });
});

describe('leases list and get', () => {
  beforeAll(async () => {
    for (const w of ['l-a', 'l-b', 'l-c']) await client.Allocate({ host: 'list-1', workload_id: w, ttl_seconds: 600 });
    await client.Allocate({ host: 'list-2', workload_id: 'other' });
  });

  it('a table with every column, one row per lease', async () => {
    const r = await ok(['leases', 'list', '--host', 'list-1']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['LEASE', 'HOST', 'WORKLOAD', 'LEVEL', 'KIND', 'MEMBERS', 'AGE', 'EXPIRY']);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) {
      const cells = line.split(/\s{2,}/);
      expect(cells[1]).toBe('list-1');
      expect(cells[3]).toMatch(LEVEL);
      expect(cells[4]).toBe('RANDOM');
      expect(cells[5]).toBe('1');
      expect(cells[7]).toMatch(/^in (9m\d+s|10m0s)$/);
    }
    expect(
      lines
        .slice(1)
        .map((l) => l.split(/\s{2,}/)[2])
        .sort(),
    ).toEqual(['l-a', 'l-b', 'l-c']);
  });

  it('follows next_page_token until the end, or until --limit', async () => {
    const all = await okJson(['leases', 'list', '--host', 'list-1', '--page-size', '1']);
    expect(all.leases.map((l: { workload_id: string }) => l.workload_id).sort()).toEqual(['l-a', 'l-b', 'l-c']);
    expect(all.next_page_token).toBe('');
    const two = await okJson(['leases', 'list', '--host', 'list-1', '--page-size', '1', '--limit', '2']);
    expect(two.leases).toHaveLength(2);
    expect(two.next_page_token).not.toBe('');
    const everything = await okJson(['leases', 'list']);
    expect(everything.leases.length).toBeGreaterThanOrEqual(4);
    const table = await ok(['leases', 'list', '--limit', '2']);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('get by id and by host/workload; text and json', async () => {
    const lease = await client.GetLease({ host: 'list-1', workload_id: 'l-b' });
    expect(await okJson(['leases', 'get', lease.lease_id])).toEqual(lease);
    expect(await okJson(['leases', 'get', '--host', 'list-1', '--workload', 'l-b'])).toEqual(lease);
    const text = await ok(['leases', 'get', lease.lease_id]);
    expect(text.stdout).toMatch(new RegExp(`^lease\\s+${lease.lease_id}$`, 'm'));
    expect(text.stdout).toMatch(/^expires\s+\d{4}-.*\(in \d+m\d+s\)$/m);
    await refused(['leases', 'get', 'aaaaaaaaaaaaaaaa'], 'NOT_FOUND', 'LEASE_NOT_FOUND');
    await refused(['leases', 'get', 'not-a-lease'], 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
  });
});

describe('stable keys', () => {
  it('allocate --stable-key; after the release leases list --held shows the hold and the key gets its level back', async () => {
    const first = await okJson(['allocate', '--host', 'stable-1', '--workload', 'c-1', '--stable-key', 'web', '--stable-retention', '600']);
    expect(first.lease.stable_key).toBe('web');
    expect((await ok(['leases', 'get', first.lease.lease_id])).stdout).toMatch(/^stable key\s+web$/m);
    await ok(['release', '--lease', first.lease.lease_id]);
    const held = await ok(['leases', 'list', '--held', '--host', 'stable-1']);
    const lines = held.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['LEASE', 'HOST', 'STABLE KEY', 'LEVEL', 'KIND', 'HELD FOR']);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      [first.lease.lease_id, 'stable-1', 'web', first.lease.level, 'RANDOM', expect.stringMatching(/^in (9m\d+s|10m0s)$/)],
    ]);
    expect((await ok(['pools', 'stats'])).stdout).toMatch(/^held\s+[1-9]\d*$/m);
    const again = await okJson(['allocate', '--host', 'stable-1', '--workload', 'c-2', '--stable-key', 'web']);
    expect(again.created).toBe(true);
    expect(again.lease.level).toBe(first.lease.level);
    expect((await ok(['leases', 'list', '--held', '--host', 'stable-1'])).stdout.trim()).toBe('no held stable levels');
    await usage(
      ['allocate', '--host', 'stable-1', '--workload', 'c-3', '--stable-key', 'x', '--stable-retention', 'soon'],
      /--stable-retention/,
    );
    await refused(['allocate', '--host', 'stable-1', '--workload', 'c-3', '--stable-key', 'web'], 'ALREADY_EXISTS', 'STABLE_KEY_IN_USE');
  });
});

describe('leases watch', () => {
  it('--json: one LeaseEvent per line from --after; SIGINT ends it with exit 0', async () => {
    const w = startMcsctl(['--server', address, '--json', 'leases', 'watch', '--host', 'watch-1', '--after', '0-0']);
    try {
      const a = await client.Allocate({ host: 'watch-1', workload_id: 'x' });
      await client.Release({ lease_id: a.lease.lease_id });
      await waitUntil('two events', () => w.stdout.split('\n').filter(Boolean).length >= 2, 10_000);
      const events = w.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>);
      expect(events.map((e) => e.type)).toEqual(['ALLOCATED', 'RELEASED']);
      expect(events.map((e) => e.lease.lease_id)).toEqual([a.lease.lease_id, a.lease.lease_id]);
      expect(events[0]!.event_id).toMatch(/^\d+-\d+$/);
      expect(await client.Allocate({ host: 'watch-other', workload_id: 'y' })).toBeTruthy();

      // resuming after the first event replays only what came after it
      const resumed = await ctlUntilLines(['--json', 'leases', 'watch', '--host', 'watch-1', '--after', events[0]!.event_id], 1);
      expect(JSON.parse(resumed[0]!).type).toBe('RELEASED');
    } finally {
      w.kill('SIGINT');
    }
    expect(await w.waitExit(10_000), w.stderr).toEqual({ code: 0, signal: null });
    // the other host's event was filtered out
    expect(w.stdout).not.toContain('watch-other');
  });

  it('text: one line per new event; SIGTERM ends it with exit 0', async () => {
    const w = startMcsctl(['--server', address, 'leases', 'watch', '--host', 'watch-2']);
    try {
      // "only new events": the watch cannot say when it is subscribed, so
      // allocate every 300 ms until it has seen one
      let last = 0;
      await waitUntil(
        'an ALLOCATED line',
        async () => {
          if (w.stdout.includes('ALLOCATED')) return true;
          if (Date.now() - last > 300) {
            last = Date.now();
            await client.Allocate({ host: 'watch-2', workload_id: `n-${last}` });
          }
          return undefined;
        },
        10_000,
      );
      expect(w.stdout).toMatch(
        /^\d+-\d+ \d{4}-\d\d-\d\dT[\d:.]+Z ALLOCATED +lease=[a-z2-7]{16} host=watch-2 workload=n-\d+ level=s0:c\d+,c\d+ kind=RANDOM/m,
      );
    } finally {
      w.kill('SIGTERM');
    }
    expect(await w.waitExit(10_000), w.stderr).toEqual({ code: 0, signal: null });
  });
});

/** Runs a watch until it printed n lines, then interrupts it. */
async function ctlUntilLines(args: string[], n: number): Promise<string[]> {
  const p = startMcsctl(['--server', address, ...args]);
  try {
    await waitUntil(`${n} lines`, () => p.stdout.split('\n').filter(Boolean).length >= n, 10_000);
  } finally {
    p.kill('SIGINT');
  }
  await p.waitExit(10_000);
  return p.stdout.split('\n').filter(Boolean);
}

describe('pools stats and plan', () => {
  it('stats: the PoolStats and utilisation = leased / (total - reserved)', async () => {
    const stats = await okJson(['pools', 'stats']);
    expect(stats).toMatchObject({ pool: 'default', category_range: 'c0.c1023', total: '523776', reserved: '1', sensitivity: 's0' });
    const r = await ok(['pools', 'stats']);
    const again = await client.GetPoolStats({});
    const expected = ((Number(again.leased) / (Number(again.total) - Number(again.reserved))) * 100).toFixed(2);
    expect(r.stdout).toMatch(new RegExp(`^leased\\s+${again.leased}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^utilisation\\s+(${expected.replace('.', '\\.')}%|<0\\.01%)$`, 'm'));
    expect(r.stdout).toMatch(/^total\s+523776$/m);
    expect(r.stdout).toMatch(/^blocked\s+\d+$/m);
  });

  it('plan: relabel actions for a live lease, recorded as claims', async () => {
    const a = await okJson(['allocate', '--host', 'p-1', '--workload', 'late']);
    const text = await ok(['plan', '--lease', a.lease.lease_id, '--volume', '/srv/late:Z']);
    expect(text.stdout).toBe(`volume plan:\n  RELABEL_RECURSIVE /srv/late  chcon -R ${a.lease.mount_label} /srv/late\n`);
    const plan = await okJson(['plan', '--lease', a.lease.lease_id, '--volume', '/srv/ro:z:ro', '--storage-id', 'nfs-9']);
    expect(plan.actions).toEqual([
      expect.objectContaining({
        host_path: '/srv/ro',
        action: 'RELABEL_RECURSIVE',
        target_label: 'system_u:object_r:container_ro_file_t:s0',
      }),
    ]);
    expect((await client.GetLease({ lease_id: a.lease.lease_id })).claims).toEqual([
      { host_path: '/srv/late', mode: 'Z', storage_id: '' },
      { host_path: '/srv/ro', mode: 'z', storage_id: 'nfs-9' },
    ]);
    await refused(['plan', '--lease', a.lease.lease_id, '--volume', '/usr:Z'], 'FAILED_PRECONDITION', 'RELABEL_NOT_ALLOWED');
    await refused(['plan', '--lease', 'aaaaaaaaaaaaaaaa', '--volume', '/srv/x:Z'], 'NOT_FOUND', 'LEASE_NOT_FOUND');
  });
});

describe('server and environment', () => {
  it('MCS_SERVER and MCS_TIMEOUT choose the server and deadline; the flag wins over the variable', async () => {
    const viaEnv = await mcsctl(['--json', 'pools', 'stats'], { env: { MCS_SERVER: address, MCS_TIMEOUT: '5' } });
    expect(viaEnv.code, show(viaEnv)).toBe(0);
    expect(JSON.parse(viaEnv.stdout).total).toBe('523776');
    const flagWins = await mcsctl(['--server', address, 'pools', 'stats'], { env: { MCS_SERVER: '127.0.0.1:1' } });
    expect(flagWins.code, show(flagWins)).toBe(0);
  });

  it('global flags may also follow the command', async () => {
    const r = await mcsctl(['pools', 'stats', '--json', '--server', address]);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).pool).toBe('default');
  });
});

describe('unreachable server: exit 3', () => {
  let silent: Server;
  let silentAddress: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts TCP connections and never says a word: no HTTP/2, no answer.
    silent = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentAddress = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('nothing listening: every command exits 3 at once, saying it cannot reach the server', async () => {
    const port = await freePort();
    for (const args of [
      ['pools', 'stats'],
      ['allocate', '--host', 'h', '--workload', 'w'],
      ['leases', 'list'],
      ['release', '--host', 'h', '--workload', 'w'],
      ['leases', 'watch'],
    ]) {
      const r = await mcsctl(['--server', `127.0.0.1:${port}`, ...args]);
      expect(r.code, show(r)).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^mcsctl: cannot reach the service at 127\\.0\\.0\\.1:${port}: UNAVAILABLE: `));
      expect(r.ms).toBeLessThan(5000);
    }
  });

  it('a server that never answers: exit 3 once --timeout passes', async () => {
    const r = await mcsctl(['--server', silentAddress, '--timeout', '0.5', 'pools', 'stats']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/^mcsctl: cannot reach the service at .*: DEADLINE_EXCEEDED: /);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a server answering UNAVAILABLE (REDIS_UNAVAILABLE) is a refusal: exit 1, not 3', async () => {
    const lonely = await TestRedis.start();
    const svc = await startService(lonely.url, { redisTimeout: '300' });
    try {
      await lonely.stopProcess();
      const r = await mcsctl(['--server', `127.0.0.1:${svc.port}`, 'allocate', '--host', 'h', '--workload', 'w']);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toMatch(/^mcsctl: UNAVAILABLE \(REDIS_UNAVAILABLE\): /);
    } finally {
      await svc.close();
      await lonely.stop();
    }
  });
});

describe('TLS', () => {
  let dir: string;
  let tlsServer: grpc.Server;
  let tlsAddress: string;
  const seenClientCerts: boolean[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcsctl-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=mcsctl test CA',
    );
    for (const name of ['server', 'client']) {
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name === 'server' ? 'localhost' : 'mcsctl'}`,
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        ...(name === 'server' ? ['-extfile', 'san.cnf'] : []),
      );
    }
    const read = (f: string) => readFileSync(join(dir, f));
    // A LabelAllocator of the test's own, served over mutual TLS.
    tlsServer = new grpc.Server();
    tlsServer.addService(loadAllocatorProto().grpcObject.mcs.v1.LabelAllocator.service, {
      GetPoolStats: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        seenClientCerts.push(Boolean(call.getAuthContext()?.sslPeerCertificate));
        cb(null, {
          pool: 'tls',
          category_range: 'c0.c9',
          sensitivity: 's0',
          total: '45',
          leased: '9',
          free: '35',
          reserved: '0',
          blocked: '1',
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      tlsServer.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createSsl(read('ca.pem'), [{ private_key: read('server.key'), cert_chain: read('server.pem') }], true),
        (e, p) => (e ? reject(e) : resolve(p)),
      ),
    );
    tlsAddress = `localhost:${port}`;
  }, 60_000);

  afterAll(() => {
    tlsServer?.forceShutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--tls-ca/--tls-cert/--tls-key speak mutual TLS', async () => {
    const r = await mcsctl([
      '--server',
      tlsAddress,
      '--tls-ca',
      join(dir, 'ca.pem'),
      '--tls-cert',
      join(dir, 'client.pem'),
      '--tls-key',
      join(dir, 'client.key'),
      'pools',
      'stats',
    ]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^pool\s+tls$/m);
    expect(r.stdout).toMatch(/^utilisation\s+20\.00%$/m);
    expect(seenClientCerts.at(-1)).toBe(true);
  });

  it('the same from MCS_TLS_CA, MCS_TLS_CERT, MCS_TLS_KEY', async () => {
    const r = await mcsctl(['--server', tlsAddress, '--json', 'pools', 'stats'], {
      env: { MCS_TLS_CA: join(dir, 'ca.pem'), MCS_TLS_CERT: join(dir, 'client.pem'), MCS_TLS_KEY: join(dir, 'client.key') },
    });
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).pool).toBe('tls');
  });

  it('plaintext to a TLS server, or TLS to a plaintext one, is unreachable (exit 3)', async () => {
    const plain = await mcsctl(['--server', tlsAddress, 'pools', 'stats']);
    expect(plain.code, show(plain)).toBe(3);
    const tlsToPlain = await mcsctl(['--server', address, '--tls-ca', join(dir, 'ca.pem'), 'pools', 'stats']);
    expect(tlsToPlain.code, show(tlsToPlain)).toBe(3);
  });
});
