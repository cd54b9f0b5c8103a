/**
 * The host agent with a real Podman: the shipped hooks (run as Podman runs
 * them, through the agent's socket), the agent process itself, a real
 * service and Redis. After each step exactly the running containers hold
 * leases, within a bounded time.
 *
 * This kernel has SELinux disabled, so runc refuses a config carrying
 * labels: the harness's runc wrapper strips them (stripSelinuxLabels), and
 * the hooks are told SELinux is enabled. The last test uses plain runc and
 * the hooks' own detection (pass-through).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { AgentProcess, hookDefinitions } from '../support/agent.js';
import { ensureBuilt, waitUntil } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { PodmanHarness, TEST_IMAGE } from '../../testkit/runtimes/podman.js';
import { connect, rpcError, startService, type TestClient } from '../support/service.js';
import { killAllMcsctl, mcsctl } from './mcsctl.helpers.js';

const HOST = 'podman-host';
/** Bound for the agent to bring the leases in line: events, spool retries, a 3 s reconcile. */
const SETTLE_MS = 15_000;

let podman: PodmanHarness;
let redis: TestRedis;
let service: RunningServer | undefined;
let port: number;
let client: TestClient;
let agent: AgentProcess;

async function startTheService(more: Parameters<typeof startService>[1] = {}): Promise<void> {
  service = await startService(redis.url, { listen: `127.0.0.1:${port}`, hostTtl: '6', ...more });
}

async function stopTheService(): Promise<void> {
  await service?.close();
  service = undefined;
}

beforeAll(async () => {
  await ensureBuilt();
  podman = await PodmanHarness.start({ stripSelinuxLabels: true });
  redis = await TestRedis.start();
  port = await freePort();
  await startTheService();
  client = connect(`127.0.0.1:${port}`);
  agent = new AgentProcess({
    server: `127.0.0.1:${port}`,
    host: HOST,
    runtime: 'podman',
    runtimeSocket: podman.socketPath,
    dir: podman.dir,
    extraArgs: ['--reconcile-interval', '3', '--new-lease-grace', '2', '--retry-for', '1'],
  });
  podman.installHooks(hookDefinitions({ server: `127.0.0.1:${port}`, socket: agent.socket, host: HOST }));
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await killAllMcsctl();
  await podman?.cleanup();
  client?.close();
  await stopTheService();
  await redis?.stop();
});

// Each test starts from no containers, also after a failed one.
afterEach(async () => {
  if (!agent.proc) await agent.start().catch(() => undefined);
  if (!service) await startTheService();
  await podman.podmanResult('rm', '--all', '--force', '--time', '0');
});

/** Workload id of each running container: the annotation, else the full id. */
async function runningWorkloads(): Promise<string[]> {
  const ids = (await podman.podman('ps', '-q', '--no-trunc')).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const lines = await podman.podman('inspect', '--format', '{{.Id}} {{index .Config.Annotations "io.mcs-allocator.workload-id"}}', ...ids);
  return lines
    .split('\n')
    .map((l) => l.trim().split(' '))
    .map(([id, annotated]) => annotated || id!)
    .sort();
}

async function leasedWorkloads(): Promise<Map<string, string>> {
  const res = await client.ListLeases({ host: HOST, page_size: 1000 });
  const out = new Map<string, string>();
  for (const l of res.leases) for (const m of l.members) out.set(m, l.level);
  return out;
}

/** Polls until the leased workloads are exactly the running ones. */
async function expectLeasesFollowTheRuntime(what: string): Promise<Map<string, string>> {
  let last = '';
  try {
    return await waitUntil(
      what,
      async () => {
        const [running, leased] = await Promise.all([runningWorkloads(), leasedWorkloads()]);
        last = `running ${JSON.stringify(running)}, leased ${JSON.stringify([...leased.keys()].sort())}`;
        return JSON.stringify(running) === JSON.stringify([...leased.keys()].sort()) ? leased : undefined;
      },
      SETTLE_MS,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; ${last}\nagent log:\n${agent.logText()}`, { cause: err });
  }
}

const run = (name: string, ...opts: string[]) => podman.runDetached(name, ['--stop-timeout', '1', ...opts]);
const logged = (msg: string) => agent.logs().filter((l) => l.msg === msg);

describe('agent with Podman', () => {
  it('run, stop, start, kill, restart, rm, a failed start and a refused one: exactly the running containers hold leases', async () => {
    const plain = await run('plain');
    await run(
      'web',
      '--annotation',
      'io.mcs-allocator.workload-id=web',
      '--annotation',
      'io.mcs-allocator.level=s0:c7+c9',
      '--annotation',
      'io.mcs-allocator.volume.data=/srv/web-data:Z',
    );
    let leased = await expectLeasesFollowTheRuntime('two containers leased');
    expect(leased.get('web')).toBe('s0:c7,c9');
    expect(leased.get(plain)).toMatch(/^s0:c\d+,c\d+$/);
    const web = await client.GetLease({ host: HOST, workload_id: 'web' });
    expect(web.claims.map((c) => c.host_path)).toEqual(['/srv/web-data']);

    await podman.podman('stop', '-t', '0', 'plain');
    await expectLeasesFollowTheRuntime('stop releases');
    await podman.podman('start', 'plain');
    await expectLeasesFollowTheRuntime('start leases again');
    await podman.podman('kill', 'web');
    await expectLeasesFollowTheRuntime('kill releases');
    await podman.podman('restart', '-t', '0', 'plain');
    leased = await expectLeasesFollowTheRuntime('restart keeps one lease');
    expect(leased.size).toBe(1);
    await podman.podman('rm', '-f', '-t', '0', 'web');

    // Podman runs no poststop hook after a failed start: the agent's events release it.
    const failed = await podman.podmanResult('run', '--name', 'failed', '--network', 'none', TEST_IMAGE, '/nonexistent');
    expect(failed.code).not.toBe(0);
    await expectLeasesFollowTheRuntime('a failed start leaks nothing');
    await podman.podman('rm', '-f', 'failed');

    // A refused start: one line naming the reason, where Podman shows it.
    await run('holder', '--annotation', 'io.mcs-allocator.level=s0:c20+c21');
    const refused = await podman.podmanResult(
      'run',
      '--name',
      'refused',
      '--network',
      'none',
      '--annotation',
      'io.mcs-allocator.level=s0:c20+c21',
      TEST_IMAGE,
      'true',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/mcs-allocator refused this container: ALREADY_EXISTS \(LEVEL_IN_USE\): .*s0:c20,c21/);
    expect(logged('refused a container start').some((l) => /LEVEL_IN_USE/.test(String(l.reason)))).toBe(true);
    await podman.podman('rm', '-f', 'refused');
    await expectLeasesFollowTheRuntime('the refused start holds nothing');

    // The old comma form: Podman itself refuses it (it splits on commas).
    const comma = await podman.podmanResult(
      'run',
      '--rm',
      '--network',
      'none',
      '--annotation',
      'io.mcs-allocator.level=s0:c1,c2',
      TEST_IMAGE,
      'true',
    );
    expect(comma.code).not.toBe(0);
    expect(comma.stderr).toMatch(/annotations must be formatted KEY=VALUE/);
  });

  it('conmon and the container killed (a crash): the lease goes although Podman still says running', async () => {
    const id = await run('crashed');
    await expectLeasesFollowTheRuntime('leased');
    const conmon = Number(await podman.inspectField(id, '{{.State.ConmonPid}}'));
    const pid = Number(await podman.inspectField(id, '{{.State.Pid}}'));
    process.kill(conmon, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    await waitUntil('the lease of the crashed container to go', async () => !(await leasedWorkloads()).has(id) || undefined, SETTLE_MS);
    expect(await podman.inspectField(id, '{{.State.Status}}')).toBe('running'); // Podman's view, unchanged
    await podman.podmanResult('rm', '-f', '-t', '0', id);
    await podman.podmanResult('rm', '-f', '-t', '0', id);
  });

  it('service down at stop, agent killed, service back, agent restarted: the spooled release is delivered', async () => {
    await run('spooled');
    await expectLeasesFollowTheRuntime('leased');
    await stopTheService();
    // With the service away a start is refused, after the agent's retries, with a line saying so.
    const away = await podman.podmanResult('run', '--rm', '--network', 'none', TEST_IMAGE, 'true');
    expect(away.code).not.toBe(0);
    expect(away.stderr).toMatch(/mcs-allocator refused this container: cannot reach the service at 127\.0\.0\.1:\d+: UNAVAILABLE/);
    // ... except with hooks dirs of its own: how the service's own container starts (deploy/systemd).
    const noHooks = join(podman.dir, 'no-hooks.d');
    mkdirSync(noHooks, { recursive: true });
    const own = await podman.podmanResult('--hooks-dir', noHooks, 'run', '--rm', '--network', 'none', TEST_IMAGE, 'true');
    expect(own.code, own.stderr).toBe(0);
    const started = Date.now();
    await podman.podman('stop', '-t', '0', 'spooled');
    const stopMs = Date.now() - started;
    // poststop handed the release to the agent and returned: no 10 s of retries
    expect(stopMs).toBeLessThan(5_000);
    const spoolDir = join(agent.stateDir, 'spool');
    await waitUntil('the release in the spool', () => readdirSync(spoolDir).some((f) => f.endsWith('.json')) || undefined, 5_000);
    await agent.stop('SIGKILL');
    await startTheService();
    expect((await leasedWorkloads()).size).toBeGreaterThan(0); // still held: nobody delivered it
    await agent.start();
    await expectLeasesFollowTheRuntime('the spooled release delivered after the restart');
    expect(logged('lease released').some((l) => l.cause === 'poststop')).toBe(true);
    // Every entry (the poststop's, and the death event's if it came first) settled.
    await waitUntil('the spool to empty', () => readdirSync(spoolDir).every((f) => !f.endsWith('.json')) || undefined, SETTLE_MS);
    await podman.podman('rm', 'spooled');
  });

  it('containers removed while the agent was down are released when it is back', async () => {
    const id = await run('orphan');
    await expectLeasesFollowTheRuntime('leased');
    await agent.stop('SIGKILL');
    // A crash takes conmon with it: Podman runs no poststop hook, nothing releases.
    process.kill(Number(await podman.inspectField(id, '{{.State.ConmonPid}}')), 'SIGKILL');
    process.kill(Number(await podman.inspectField(id, '{{.State.Pid}}')), 'SIGKILL');
    await podman.podmanResult('rm', '-f', '-t', '0', id);
    await podman.podmanResult('rm', '-f', '-t', '0', id);
    expect((await leasedWorkloads()).has(id)).toBe(true);
    await agent.start();
    await expectLeasesFollowTheRuntime('released by the reconcile at start');
  });

  it("Redis restarted empty: the agent restores every running container's lease, at the levels they run with, while other hosts wait", async () => {
    // A pool of 6 pairs, so that another host taking every free pair would
    // also take a running container's pair if the service handed one out.
    await stopTheService();
    await startTheService({ recoveryWindow: '8', pool: 'tiny', categories: 'c0.c3' });
    // The static level first: a random pair drawn first could be s0:c1,c2 (one in six).
    await run('keep-2', '--annotation', 'io.mcs-allocator.workload-id=keep-2', '--annotation', 'io.mcs-allocator.level=s0:c1+c2');
    await run('keep-1');
    const before = await expectLeasesFollowTheRuntime('leased');
    expect(before.size).toBe(2);
    await redis.stopProcess('SIGKILL');
    await redis.startProcess(); // no AOF: empty
    // The agent may restore its leases before a poll could see the pool empty:
    // wait only for the service to answer again.
    await waitUntil(
      'the service to reach Redis again',
      async () => ((await client.ListLeases({ host: HOST }).catch(() => undefined)) ? true : undefined),
      10_000,
    );
    // Another host asking for a new pair waits until hosts have reported what they run.
    const waiting = await rpcError(client.Allocate({ host: 'other-host', workload_id: 'newcomer' }));
    expect([grpc.status[waiting.code], waiting.metadata.get('mcs-error-reason')]).toEqual(['UNAVAILABLE', ['POOL_RECOVERING']]);
    const after = await expectLeasesFollowTheRuntime('restored after Redis lost everything');
    expect([...after].sort()).toEqual([...before].sort());
    expect(readFileSync(join(agent.stateDir, 'pool-epoch'), 'utf8').trim()).not.toBe('');
    expect(
      logged('reconciled: the service changed').some((l) => Array.isArray(l.restoredIds) && (l.restoredIds as string[]).includes('keep-2')),
    ).toBe(true);

    // When the window ends, the other host takes every pair left: exactly
    // the 4 the two containers do not run with.
    await waitUntil(
      'the recovery window to end',
      async () => ((await client.Allocate({ host: 'other-host', workload_id: 'taker-0' }).catch(() => undefined)) ? true : undefined),
      20_000,
    );
    for (let i = 1; i < 4; i++) await client.Allocate({ host: 'other-host', workload_id: `taker-${i}` });
    const full = await rpcError(client.Allocate({ host: 'other-host', workload_id: 'taker-4' }));
    expect(full.metadata.get('mcs-error-reason')).toEqual(['POOL_EXHAUSTED']);
    const taken = (await client.ListLeases({ host: 'other-host' })).leases.map((l: { level: string }) => l.level);
    const running = [...after.values()];
    expect(new Set([...taken, ...running]).size).toBe(6);
    await podman.podman('rm', '-f', '-t', '0', 'keep-1', 'keep-2');
    await expectLeasesFollowTheRuntime('all gone');
    await stopTheService(); // the next test gets the default pool again
  });

  it('mcsctl drift shows the runtime against the service', async () => {
    await run('drifting', '--annotation', 'io.mcs-allocator.workload-id=drifting');
    await expectLeasesFollowTheRuntime('leased');
    await client.Allocate({ host: HOST, workload_id: 'ghost' });
    const res = await mcsctl(['--server', `127.0.0.1:${port}`, '--json', 'drift', '--socket', agent.socket]);
    expect(res.code).toBe(1);
    const rows = (JSON.parse(res.stdout) as { rows: { workloadId: string; kind: string }[] }).rows;
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workloadId: 'drifting', kind: 'ok' }),
        expect.objectContaining({ workloadId: 'ghost', kind: 'extra' }),
      ]),
    );
    await expectLeasesFollowTheRuntime('the extra lease released by a reconcile');
    const text = await mcsctl(['--server', `127.0.0.1:${port}`, 'drift', '--socket', agent.socket]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/host podman-host: 1 in step, 0 drifted/);
    await podman.podman('rm', '-f', '-t', '0', 'drifting');
  });

  it('SELinux disabled, plain runc: the hooks pass the config through and take no lease', async () => {
    podman.installHooks(hookDefinitions({ server: `127.0.0.1:${port}`, socket: agent.socket, host: HOST, selinux: 'auto' }));
    try {
      expect(existsSync('/sys/fs/selinux/enforce')).toBe(false);
      const plainRunc = join(podman.dir, 'bin', 'plain-runc');
      const { writeFileSync, chmodSync } = await import('node:fs');
      writeFileSync(plainRunc, `#!/bin/sh\nexec /usr/sbin/runc --root '${podman.runcRoot}' "$@"\n`);
      chmodSync(plainRunc, 0o755);
      const out = await podman.podmanResult('run', '--rm', '--runtime', plainRunc, '--network', 'none', TEST_IMAGE, 'echo', 'ran');
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout.trim()).toBe('ran');
      expect((await leasedWorkloads()).size).toBe(0);
      // Forced on, the same plain runc refuses the labels the hook writes: why the pass-through exists.
      podman.installHooks(hookDefinitions({ server: `127.0.0.1:${port}`, socket: agent.socket, host: HOST, selinux: 'enabled' }));
      const forced = await podman.podmanResult('run', '--rm', '--runtime', plainRunc, '--network', 'none', TEST_IMAGE, 'true');
      expect(forced.code).not.toBe(0);
      expect(forced.stderr).toMatch(/selinux label is specified in config, but selinux is disabled or not supported/);
      await expectLeasesFollowTheRuntime('the failed start leaks nothing');
    } finally {
      podman.installHooks(hookDefinitions({ server: `127.0.0.1:${port}`, socket: agent.socket, host: HOST }));
    }
  });
});
