/**
 * The host agent with a real containerd 1.6 (CRI plugin), driven as a
 * kubelet would drive it: pod sandboxes and containers with levels in their
 * security context. No hooks: on a Kubernetes node the runtime picks the
 * labels, and the agent reports what the pods asked for (this kernel has
 * SELinux disabled, so containerd writes no process label; the requested
 * level is what the agent sees). containerd 1.6 has no GetContainerEvents:
 * the adapter polls, which is how the stop below reaches the agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { AgentProcess } from '../support/agent.js';
import { ensureBuilt, waitUntil } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { ContainerdHarness } from '../../testkit/runtimes/containerd.js';
import { connect, startService, type TestClient } from '../support/service.js';

const HOST = 'cri-host';

let cri: ContainerdHarness;
let redis: TestRedis;
let service: RunningServer;
let client: TestClient;
let agent: AgentProcess;

beforeAll(async () => {
  await ensureBuilt();
  cri = await ContainerdHarness.start();
  redis = await TestRedis.start();
  const port = await freePort();
  // --host-ttl: heartbeats every 2 s, which notice a Redis that lost the leases.
  service = await startService(redis.url, { listen: `127.0.0.1:${port}`, hostTtl: '6' });
  client = connect(`127.0.0.1:${port}`);
  agent = new AgentProcess({
    server: `127.0.0.1:${port}`,
    host: HOST,
    runtime: 'cri',
    runtimeSocket: cri.socketPath,
    dir: cri.dir,
    extraArgs: ['--reconcile-interval', '60'],
  }); // releases below come from events, not the interval
}, 120_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await cri?.cleanup();
  client?.close();
  await service?.close();
  await redis?.stop();
});

async function leased(): Promise<Map<string, string>> {
  const res = await client.ListLeases({ host: HOST, page_size: 1000 });
  const out = new Map<string, string>();
  for (const l of res.leases) for (const m of l.members) out.set(m, l.level);
  return out;
}

async function expectLeased(what: string, expected: Record<string, string>): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      what,
      async () => {
        const now = Object.fromEntries([...(await leased())].sort());
        last = JSON.stringify(now);
        return JSON.stringify(now) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort())) || undefined;
      },
      20_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; leased ${last}\nagent log:\n${agent.logText()}`);
  }
}

describe('agent with containerd (CRI)', () => {
  it('reconciles pods at their requested levels, releases on a polled stop and a removed pod, restores after Redis lost everything', async () => {
    const web = await cri.runPod('web', { selinuxLevel: 's0:c1,c2' });
    const server = await cri.runContainer(web, 'server', { selinuxLevel: 's0:c1,c2' });
    const sidecar = await cri.runContainer(web, 'sidecar', { selinuxLevel: 's0:c1,c2' });
    const db = await cri.runPod('db', { selinuxLevel: 's0:c3,c4', annotations: { 'io.mcs-allocator.workload-id': 'db-pod' } });
    const dbMain = await cri.runContainer(db, 'main', { selinuxLevel: 's0:c3,c4' });
    await agent.start();
    const all = { [web.id]: 's0:c1,c2', [server]: 's0:c1,c2', [sidecar]: 's0:c1,c2', 'db-pod': 's0:c3,c4', [dbMain]: 's0:c3,c4' };
    await expectLeased('every sandbox and container leased at its level by the reconcile at start', all);
    // The same level twice on one host is a pod: one lease, every member in it.
    expect(new Set((await client.ListLeases({ host: HOST })).leases.map((l) => l.level))).toEqual(new Set(['s0:c1,c2', 's0:c3,c4']));
    expect((await client.ListLeases({ host: HOST })).leases).toHaveLength(2);

    await cri.client.stopContainer(sidecar, 0);
    const { [sidecar]: _stopped, ...afterStop } = all;
    await expectLeased("the stopped container leaves the pod's lease", afterStop);
    // The agent logs the release when the service's answer reaches it, which
    // may be after another client already sees the lease gone.
    await waitUntil(
      "the agent's log of the release",
      () => agent.logs().some((l) => l.msg === 'lease released' && l.workloadId === sidecar && l.cause === 'died') || undefined,
      5_000,
    );

    await cri.client.stopPodSandbox(db.id);
    await cri.client.removePodSandbox(db.id);
    await expectLeased("the removed pod's lease is gone", { [web.id]: 's0:c1,c2', [server]: 's0:c1,c2' });

    await redis.stopProcess('SIGKILL');
    await redis.startProcess();
    await expectLeased('restored after Redis restarted empty', { [web.id]: 's0:c1,c2', [server]: 's0:c1,c2' });
  });
});
