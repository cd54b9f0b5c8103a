/**
 * The Podman adapter against a real, isolated Podman: the libpod REST
 * service on a socket in a temp dir, containers run with the real podman
 * CLI against the same configuration.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodmanRuntime } from '../../src/agent/runtime/podman.js';
import type { RuntimeWorkload } from '../../src/agent/runtime/types.js';
import { pidAlive, waitUntil } from '../../testkit/process.js';
import { EventLog } from '../../testkit/runtimes/events.js';
import { selinuxEnabled } from '../../testkit/runtimes/exec.js';
import { PodmanHarness, TEST_IMAGE } from '../../testkit/runtimes/podman.js';
import { measure, measureMedian, reportTable } from '../../testkit/runtimes/measure.js';

const HEX64 = /^[0-9a-f]{64}$/;

let podman: PodmanHarness;
let runtime: PodmanRuntime;

beforeAll(async () => {
  podman = await PodmanHarness.start();
  runtime = new PodmanRuntime({ socketPath: podman.socketPath, probeIntervalMs: 250, reconnectMinMs: 50, reconnectMaxMs: 500 });
});

afterAll(async () => {
  runtime?.close();
  await podman?.cleanup();
});

function byId(list: RuntimeWorkload[], id: string): RuntimeWorkload | undefined {
  return list.find((w) => w.id === id);
}

describe('Podman adapter', () => {
  it('asks the service for its version', async () => {
    const v = await runtime.version();
    expect(v.kind).toBe('podman');
    expect(v.name).toBe('podman');
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.apiVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists created, running and exited containers, not removed ones, with their labels and annotations', async () => {
    const running = await podman.runDetached('list-running', [
      '--label',
      'app=web',
      '--label',
      'tier=a,b',
      '--annotation',
      'io.mcs-allocator.workload-id=wl-1',
      // Podman splits --annotation values on commas; CSV quoting keeps them.
      '--annotation',
      '"io.example/csv=a,b,c"',
      // Unquoted, a comma starts the next KEY=VALUE.
      '--annotation',
      'io.example/split=x,y=z',
    ]);
    const created = await podman.create('list-created');
    await podman.podman('run', '--name', 'list-exited', '--network', 'none', TEST_IMAGE, 'true');
    const exited = await podman.inspectField('list-exited', '{{.Id}}');
    const removed = await podman.create('list-removed');
    await podman.podman('rm', removed);

    const list = await runtime.list();
    for (const id of [running, created, exited]) expect(id).toMatch(HEX64);
    expect(byId(list, removed)).toBeUndefined();
    expect(byId(list, created)).toMatchObject({ name: 'list-created', state: 'created', runtimeState: 'created', role: 'container' });
    expect(byId(list, exited)).toMatchObject({ name: 'list-exited', state: 'exited', runtimeState: 'exited' });

    const r = byId(list, running);
    expect(r).toMatchObject({ name: 'list-running', state: 'running', runtimeState: 'running', image: TEST_IMAGE });
    expect(r?.labels).toEqual({ app: 'web', tier: 'a,b' });
    expect(r?.annotations).toMatchObject({
      'io.mcs-allocator.workload-id': 'wl-1',
      'io.example/csv': 'a,b,c',
      'io.example/split': 'x',
      y: 'z',
    });
    expect(r?.pid).toBe(Number(await podman.inspectField(running, '{{.State.Pid}}')));
    if (selinuxEnabled()) {
      expect(r?.processLabel).toMatch(/:s0(:c\d+,c\d+)?$/);
      expect(r?.levelSource).toBe('process-label');
    } else {
      // No SELinux in the kernel: Podman reports ProcessLabel "", so there is no label or level to report.
      expect(await podman.inspectField(running, '{{.ProcessLabel}}')).toBe('');
      expect(r).not.toHaveProperty('processLabel');
      expect(r).not.toHaveProperty('level');
    }
  });

  it('refuses an unquoted annotation value with a comma that does not continue as KEY=VALUE (podman CLI)', async () => {
    await expect(podman.create('bad-annotation', ['--annotation', 'io.example/bad=a,b'])).rejects.toThrow(
      /annotations must be formatted KEY=VALUE/,
    );
  });

  it("lists a pod's infra container as its sandbox, and the pod of its containers", async () => {
    // --network none: a bridge network would leave a bridge, iptables rules and /var/lib/cni on the host.
    const podId = await podman.podman('pod', 'create', '--name', 'pod-1', '--network', 'none', '--infra-image', TEST_IMAGE);
    const member = await podman.runDetached('pod-member', ['--pod', 'pod-1']);
    const list = await runtime.list();
    const infra = list.find((w) => w.pod?.id === podId && w.role === 'sandbox');
    expect(infra).toMatchObject({ state: 'running', pod: { id: podId, name: 'pod-1' } });
    expect(byId(list, member)).toMatchObject({ role: 'container', state: 'running', pod: { id: podId, name: 'pod-1' } });
    await podman.podman('pod', 'rm', '--force', '--time', '0', 'pod-1');
    const after = await runtime.list();
    expect(after.filter((w) => w.pod?.id === podId)).toEqual([]);
  });

  it('reports create, start, a death by SIGKILL and the removal as events', async () => {
    const log = new EventLog(runtime);
    try {
      const id = await podman.runDetached('ev-kill', ['--label', 'team=blue']);
      await log.waitFor('started', (e) => e.id === id && e.type === 'started');
      const pid = Number(await podman.inspectField(id, '{{.State.Pid}}'));
      // Killed from outside, as the OOM killer or an operator would.
      process.kill(pid, 'SIGKILL');
      const died = await log.waitFor('died', (e) => e.id === id && e.type === 'died');
      expect(died).toMatchObject({ source: 'stream', raw: 'died', exitCode: 137, name: 'ev-kill', labels: { team: 'blue' } });
      await podman.podman('rm', id);
      await log.waitFor('removed', (e) => e.id === id && e.type === 'removed');

      const types = log
        .of(id)
        .filter((e) => e.type !== 'other')
        .map((e) => e.type);
      expect(types).toEqual(['created', 'started', 'died', 'removed']);
      expect(log.of(id).map((e) => e.raw)).toEqual(expect.arrayContaining(['create', 'init', 'start', 'died', 'cleanup', 'remove']));
    } finally {
      await log.stop();
    }
  });

  it('reports a failed start as created, then died (Podman says only create and cleanup)', async () => {
    const log = new EventLog(runtime);
    try {
      await expect(podman.runDetached('ev-failed', [], ['/bin/no-such-program'])).rejects.toThrow(/no such file or directory/);
      const id = await podman.inspectField('ev-failed', '{{.Id}}');
      const died = await log.waitFor('died', (e) => e.id === id && e.type === 'died');
      expect(died).toMatchObject({ raw: 'cleanup', source: 'stream' });
      // Podman puts it back to "created": there is no OCI container, and no process.
      expect(byId(await runtime.list(), id)).toMatchObject({ state: 'created', runtimeState: 'created' });
      await podman.podman('rm', id);
      await log.waitFor('removed', (e) => e.id === id && e.type === 'removed');
      expect(
        log
          .of(id)
          .filter((e) => e.type !== 'other')
          .map((e) => e.type),
      ).toEqual(['created', 'died', 'removed']);
    } finally {
      await log.stop();
    }
  });

  it('finds the container whose conmon and process were killed, which Podman still calls running', async () => {
    const log = new EventLog(runtime);
    // A healthy container shows the adapter it sees Podman's pids.
    await podman.runDetached('conmon-witness');
    const id = await podman.runDetached('conmon-victim');
    try {
      const conmon = Number(await podman.inspectField(id, '{{.State.ConmonPid}}'));
      const pid = Number(await podman.inspectField(id, '{{.State.Pid}}'));
      process.kill(conmon, 'SIGKILL');
      await waitUntil('conmon to exit', () => !pidAlive(conmon), 5_000);
      // Without conmon the process still runs: still a running container.
      expect(byId(await runtime.list(), id)).toMatchObject({ state: 'running', runtimeState: 'running' });

      process.kill(pid, 'SIGKILL');
      await waitUntil('the container process to exit', () => !pidAlive(pid), 5_000);
      // No conmon, no exit file: Podman goes on saying running.
      expect(await podman.inspectField(id, '{{.State.Status}}')).toBe('running');
      expect(byId(await runtime.list(), id)).toMatchObject({ state: 'exited', runtimeState: 'running', pid });

      const died = await log.waitFor('the probe to report the death', (e) => e.id === id && e.type === 'died');
      expect(died).toMatchObject({ source: 'probe', raw: 'process-gone', name: 'conmon-victim' });
      expect(log.of(id).filter((e) => e.type === 'died')).toHaveLength(1);

      // Podman 4.3 fails the first forced removal (it cannot signal the
      // dead container and leaves it "stopping"); the second one removes it.
      await podman.podman('rm', '-f', '-t', '0', id).catch(() => podman.podman('rm', '-f', '-t', '0', id));
      await log.waitFor('removed', (e) => e.id === id && e.type === 'removed');
      expect(byId(await runtime.list(), id)).toBeUndefined();
    } finally {
      await log.stop();
    }
  });

  it('keeps following across restarts and a crash of the Podman service, with what happened while it was down', async () => {
    const log = new EventLog(runtime);
    try {
      const a = await podman.runDetached('restart-a');
      await log.waitFor('a started', (e) => e.id === a && e.type === 'started');

      await podman.stopService('SIGTERM');
      // The CLI works without the service; its events land in the same log.
      await podman.podman('rm', '-f', '-t', '0', a);
      await podman.startService();
      const b = await podman.runDetached('restart-b');
      await log.waitFor('the removal of a, made while the service was down', (e) => e.id === a && e.type === 'removed');
      await log.waitFor('b started, after the restart', (e) => e.id === b && e.type === 'started');

      await podman.stopService('SIGKILL');
      await podman.podman('stop', '-t', '0', b);
      await podman.startService();
      await log.waitFor('the death of b, made while the service was crashed', (e) => e.id === b && e.type === 'died');
      const c = await podman.runDetached('restart-c');
      await log.waitFor('c started', (e) => e.id === c && e.type === 'started');

      // The replays after each reconnection repeat nothing.
      for (const id of [a, b, c]) {
        const raws = log.of(id).map((e) => e.raw);
        expect(raws.filter((r) => r === 'create')).toHaveLength(1);
        expect(raws.filter((r) => r === 'start')).toHaveLength(1);
      }
      expect(log.of(b).filter((e) => e.type === 'died')).toHaveLength(1);
    } finally {
      await log.stop();
    }
  });

  it('says clearly when the socket does not exist, for list, version and watch', async () => {
    const missing = join(podman.dir, 'no-such.sock');
    const absent = new PodmanRuntime({ socketPath: missing });
    try {
      await expect(absent.list()).rejects.toThrow(`the Podman API socket ${missing} does not exist`);
      await expect(absent.version()).rejects.toThrow(/does not exist/);
      const it = absent.watch(new AbortController().signal)[Symbol.asyncIterator]();
      await expect(it.next()).rejects.toThrow(/does not exist/);
    } finally {
      absent.close();
    }
  });

  it('lists 50 containers; measures the list call cold (one inspect each) and warm (cached)', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `scale-${String(i).padStart(2, '0')}`);
    const ids: string[] = [];
    // Four at a time: the 2-core machine starts them in a few seconds.
    for (let i = 0; i < names.length; i += 4) {
      ids.push(
        ...(await Promise.all(
          names
            .slice(i, i + 4)
            .map((n) => podman.runDetached(n, ['--label', `n=${n}`, '--annotation', `io.mcs-allocator.workload-id=${n}`])),
        )),
      );
    }
    const fresh = new PodmanRuntime({ socketPath: podman.socketPath });
    const noProc = new PodmanRuntime({ socketPath: podman.socketPath, checkProcesses: false });
    const pid = podman.servicePid;
    try {
      const cold = await measure(() => fresh.list(), pid);
      const warm = await measureMedian(() => fresh.list(), 5, pid);
      await noProc.list();
      const warmNoProc = await measureMedian(() => noProc.list(), 5, pid);
      for (const list of [cold.result, warm.result, warmNoProc.result]) {
        const mine = list.filter((w) => ids.includes(w.id));
        expect(mine).toHaveLength(50);
        for (const w of mine) {
          expect(w.state).toBe('running');
          expect(w.annotations?.['io.mcs-allocator.workload-id']).toBe(w.name);
          expect(w.labels.n).toBe(w.name);
        }
      }
      const total = cold.result.length;
      const listOnly = await measureMedian(() => fetchText(podman.socketPath, '/v4.0.0/libpod/containers/json?all=true'), 5, pid);
      const inspectOne = await measureMedian(() => fetchText(podman.socketPath, `/v4.0.0/libpod/containers/${ids[0]}/json`), 5, pid);
      reportTable(`Podman list() with ${total} containers (${ids.length} running, started by this test); warm rows: median of 5`, [
        ['list() cold: 1 list + 1 inspect per container + /proc', cold],
        ['list() warm: 1 list + /proc, inspects cached', warm],
        ['list() warm, no /proc check', warmNoProc],
        ['GET /libpod/containers/json alone', listOnly],
        ['GET /libpod/containers/{id}/json, one', inspectOne],
      ]);
      // What the agent needs beyond the list: annotations and ProcessLabel are only in inspect.
      const listed = (JSON.parse(listOnly.result) as Record<string, unknown>[])[0];
      expect(listed).not.toHaveProperty('ProcessLabel');
      expect(listed).not.toHaveProperty('Annotations');
      expect(JSON.parse(inspectOne.result)).toHaveProperty('Config.Annotations');
    } finally {
      fresh.close();
      noProc.close();
      await podman.podman('rm', '-f', '-t', '0', ...ids);
    }
  }, 120_000);
});

function fetchText(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
