/**
 * The CRI adapter against a real, isolated containerd (CRI plugin), driven
 * through the CRI RuntimeService with the adapter's own client, as a
 * kubelet would drive it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriRuntime } from '../../src/agent/runtime/cri.js';
import type { RuntimeWorkload } from '../../src/agent/runtime/types.js';
import { pidAlive, waitUntil } from '../../testkit/process.js';
import { ContainerdHarness, CRI_TEST_IMAGE } from '../../testkit/runtimes/containerd.js';
import { EventLog } from '../../testkit/runtimes/events.js';
import { selinuxEnabled } from '../../testkit/runtimes/exec.js';
import { measure, measureMedian, reportTable } from '../../testkit/runtimes/measure.js';

const HEX64 = /^[0-9a-f]{64}$/;

let cri: ContainerdHarness;
let runtime: CriRuntime;

beforeAll(async () => {
  cri = await ContainerdHarness.start();
  runtime = new CriRuntime({ socketPath: cri.socketPath, pollIntervalMs: 200 });
});

afterAll(async () => {
  runtime?.close();
  await cri?.cleanup();
});

function byId(list: RuntimeWorkload[], id: string): RuntimeWorkload | undefined {
  return list.find((w) => w.id === id);
}

describe('CRI adapter (containerd)', () => {
  it('asks the runtime for its version', async () => {
    const v = await runtime.version();
    expect(v).toMatchObject({ kind: 'cri', name: 'containerd', apiVersion: 'v1' });
    expect(v.version).toMatch(/^\d+\.\d+/);
  });

  it('lists a pod sandbox with two containers, their metadata, labels, annotations and requested levels', async () => {
    const pod = await cri.runPod('web', {
      labels: { app: 'web' },
      annotations: { 'io.mcs-allocator.workload-id': 'pod-web', 'io.example/csv': 'a,b,c' },
      selinuxLevel: 's0:c1,c2',
    });
    const running = await cri.runContainer(pod, 'server', {
      labels: { role: 'server' },
      annotations: { 'io.example/list': 'x,y' },
      selinuxLevel: 's0:c1,c2',
    });
    const created = await cri.createContainer(pod, 'sidecar', { selinuxLevel: 's0:c1,c2' });

    const list = await runtime.list();
    expect(pod.id).toMatch(HEX64);
    expect(running).toMatch(HEX64);
    const podInfo = { id: pod.id, name: 'web', uid: pod.config.metadata.uid, namespace: 'mcs-test', attempt: 0 };
    expect(byId(list, pod.id)).toMatchObject({
      role: 'sandbox',
      name: 'web',
      state: 'running',
      runtimeState: 'SANDBOX_READY',
      labels: { app: 'web' },
      annotations: { 'io.mcs-allocator.workload-id': 'pod-web', 'io.example/csv': 'a,b,c' },
      pod: podInfo,
    });
    expect(byId(list, running)).toMatchObject({
      role: 'container',
      name: 'server',
      state: 'running',
      runtimeState: 'CONTAINER_RUNNING',
      labels: { role: 'server' },
      annotations: { 'io.example/list': 'x,y' },
      image: CRI_TEST_IMAGE,
      pod: podInfo,
    });
    expect(byId(list, created)).toMatchObject({ name: 'sidecar', state: 'created', runtimeState: 'CONTAINER_CREATED', pod: podInfo });
    for (const id of [pod.id, running, created]) {
      const w = byId(list, id)!;
      expect(w.requestedSelinux?.level).toBe('s0:c1,c2');
      if (selinuxEnabled()) {
        expect(w.processLabel).toMatch(/:s0:c1,c2$/);
        expect(w.levelSource).toBe('process-label');
      } else {
        // containerd writes no selinuxLabel into the OCI spec without SELinux: only the request is known.
        expect(w).not.toHaveProperty('processLabel');
        expect(w).toMatchObject({ level: 's0:c1,c2', levelSource: 'requested' });
      }
    }

    await cri.client.stopContainer(running, 0);
    const stopped = await runtime.list();
    expect(byId(stopped, running)).toMatchObject({ state: 'exited', runtimeState: 'CONTAINER_EXITED' });
    await cri.client.removeContainer(created);
    expect(byId(await runtime.list(), created)).toBeUndefined();

    await cri.client.stopPodSandbox(pod.id);
    expect(byId(await runtime.list(), pod.id)).toMatchObject({ state: 'exited', runtimeState: 'SANDBOX_NOTREADY' });
    await cri.client.removePodSandbox(pod.id);
    const gone = await runtime.list();
    expect(gone.filter((w) => w.id === pod.id || w.pod?.id === pod.id)).toEqual([]);
  });

  it('has no level for a pod that asked for none (SELinux disabled here)', async () => {
    const pod = await cri.runPod('plain');
    const c = await cri.runContainer(pod, 'c');
    try {
      const w = byId(await runtime.list(), c)!;
      expect(w).not.toHaveProperty('requestedSelinux');
      if (selinuxEnabled()) expect(w.levelSource).toBe('process-label');
      else expect(w).not.toHaveProperty('level');
    } finally {
      await cri.client.stopPodSandbox(pod.id);
      await cri.client.removePodSandbox(pod.id);
    }
  });

  it('falls back to polling (containerd 1.6 has no GetContainerEvents) and reports start, SIGKILL death and removal', async () => {
    const events = runtime.client.containerEvents();
    const unimplemented = await new Promise<number>((resolve) => events.on('error', (err: { code: number }) => resolve(err.code)));
    expect(unimplemented).toBe(12); // UNIMPLEMENTED

    const log = new EventLog(runtime);
    try {
      const pod = await cri.runPod('events');
      await log.waitFor('the sandbox', (e) => e.id === pod.id && e.type === 'started');
      expect(runtime.eventSource).toBe('poll');

      const a = await cri.createContainer(pod, 'a');
      await log.waitFor('a created', (e) => e.id === a && e.type === 'created');
      await cri.client.startContainer(a);
      await log.waitFor('a started', (e) => e.id === a && e.type === 'started');
      const pid = await cri.pidOf(a);
      process.kill(pid, 'SIGKILL');
      const died = await log.waitFor('a died', (e) => e.id === a && e.type === 'died');
      expect(died).toMatchObject({
        source: 'poll',
        raw: 'CONTAINER_RUNNING->CONTAINER_EXITED',
        role: 'container',
        name: 'a',
        podId: pod.id,
      });
      const status = await cri.client.containerStatus(a);
      expect(status.status?.exit_code).toBe(137);
      await cri.client.removeContainer(a);
      await log.waitFor('a removed', (e) => e.id === a && e.type === 'removed');
      expect(log.of(a).map((e) => e.type)).toEqual(['created', 'started', 'died', 'removed']);

      await cri.client.stopPodSandbox(pod.id);
      await log.waitFor('the sandbox stopped', (e) => e.id === pod.id && e.type === 'died');
      await cri.client.removePodSandbox(pod.id);
      await log.waitFor('the sandbox removed', (e) => e.id === pod.id && e.type === 'removed');
      expect(log.of(pod.id).map((e) => `${e.role} ${e.type}`)).toEqual(['sandbox started', 'sandbox died', 'sandbox removed']);
    } finally {
      await log.stop();
    }
  });

  it('reports the deaths when the shim is killed (the conmon of containerd) and a failed start', async () => {
    const log = new EventLog(runtime);
    const pod = await cri.runPod('shim');
    try {
      const a = await cri.runContainer(pod, 'a');
      const b = await cri.runContainer(pod, 'b');
      await log.waitFor('b started', (e) => e.id === b && e.type === 'started');
      const pidA = await cri.pidOf(a);
      const shims = cri.shimPids();
      expect(shims.length).toBeGreaterThan(0);
      for (const pid of shims) process.kill(pid, 'SIGKILL');
      for (const id of [a, b, pod.id]) await log.waitFor(`${id.slice(0, 12)} died`, (e) => e.id === id && e.type === 'died');
      // containerd cleans up after a dead shim: the container's process is killed, not left running.
      await waitUntil('the container process to exit', () => !pidAlive(pidA), 10_000);
      const list = await runtime.list();
      expect([a, b, pod.id].map((id) => byId(list, id)?.state)).toEqual(['exited', 'exited', 'exited']);

      // A container whose process cannot start: StartContainer fails, the container is exited.
      const bad = await cri.createContainer(await cri.runPod('bad-start'), 'bad', { command: ['/bin/no-such-program'] });
      await expect(cri.client.startContainer(bad)).rejects.toThrow(/no such file or directory/);
      await log.waitFor('the failed start', (e) => e.id === bad && e.type === 'died');
      expect(log.of(bad).some((e) => e.type === 'started')).toBe(false);
    } finally {
      await log.stop();
      await cri.removeAllPods();
    }
  });

  it('says clearly when the socket does not exist, for list, version and watch', async () => {
    const missing = join(cri.dir, 'no-such.sock');
    const absent = new CriRuntime({ socketPath: missing, timeoutMs: 5_000 });
    try {
      await expect(absent.list()).rejects.toThrow(`the CRI socket ${missing} does not exist`);
      await expect(absent.version()).rejects.toThrow(/UNAVAILABLE.*does not exist/);
      const it = absent.watch(new AbortController().signal)[Symbol.asyncIterator]();
      await expect(it.next()).rejects.toThrow(/does not exist/);
    } finally {
      absent.close();
    }
  });

  it('lists 50 containers in 5 pods; measures the list call cold (verbose status each) and warm (cached)', async () => {
    const ids: string[] = [];
    for (let p = 0; p < 5; p++) {
      const pod = await cri.runPod(`scale-${p}`, { selinuxLevel: `s0:c${p},c${p + 100}` });
      for (let i = 0; i < 10; i += 5) {
        ids.push(
          ...(await Promise.all(
            [0, 1, 2, 3, 4].map((k) =>
              cri.runContainer(pod, `c${i + k}`, {
                annotations: { 'io.mcs-allocator.workload-id': `p${p}-c${i + k}` },
                selinuxLevel: `s0:c${p},c${p + 100}`,
              }),
            ),
          )),
        );
      }
    }
    const fresh = new CriRuntime({ socketPath: cri.socketPath });
    const plain = new CriRuntime({ socketPath: cri.socketPath, readSelinux: false });
    const pid = cri.daemonPid;
    try {
      const cold = await measure(() => fresh.list(), pid);
      const warm = await measureMedian(() => fresh.list(), 5, pid);
      await plain.list(); // connects the channel
      const noSelinux = await measureMedian(() => plain.list(), 5, pid);
      for (const list of [cold.result, warm.result]) {
        const mine = list.filter((w) => ids.includes(w.id));
        expect(mine).toHaveLength(50);
        for (const w of mine) {
          expect(w.state).toBe('running');
          expect(w.annotations?.['io.mcs-allocator.workload-id']).toMatch(/^p\d-c\d$/);
          expect(w.level).toMatch(/^s0:c\d,c10\d$/);
          expect(w.pod?.name).toMatch(/^scale-\d$/);
        }
      }
      expect(noSelinux.result.filter((w) => ids.includes(w.id) && w.level === undefined)).toHaveLength(50);
      const verboseOne = await measureMedian(() => cri.client.containerStatus(ids[0]!, true), 5, pid);
      reportTable(`CRI list() with ${cold.result.length} workloads (50 containers in 5 sandboxes); warm rows: median of 5`, [
        ['list() cold: 2 lists + 1 verbose status per workload', cold],
        ['list() warm: 2 lists, statuses cached', warm],
        ['list() without SELinux (readSelinux: false)', noSelinux],
        ['ContainerStatus verbose, one', verboseOne],
      ]);
    } finally {
      fresh.close();
      plain.close();
      await cri.removeAllPods();
    }
  }, 120_000);
});
