/**
 * The whole Kubernetes path with real processes: redis-server, the
 * service, the webhook over HTTPS, containerd 1.6 (CRI) and the host
 * agent. The test plays the apiserver (AdmissionReviews) and the kubelet
 * (the CRI calls, with the pod's annotations copied into the sandbox and
 * the patched level in the security contexts, as the kubelet does).
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { RunningServer } from '../../src/server/server.js';
import { AgentProcess } from '../support/agent.js';
import { TestPki } from '../support/pki.js';
import { ensureBuilt, runCli, waitUntil, type CliProcess } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { ContainerdHarness } from '../../testkit/runtimes/containerd.js';
import { connect, startService, type TestClient } from '../support/service.js';
import { createReview, deleteReview, pod, running, type Pod } from '../fixtures/kubernetes/reviews.js';

const NODE = 'node-1';
const CLUSTER = 'kubernetes';

let cri: ContainerdHarness;
let redis: TestRedis;
let service: RunningServer;
let client: TestClient;
let agent: AgentProcess;
let pki: TestPki;
let webhook: CliProcess;
let webhookPort: number;

function post(path: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: webhookPort,
        path,
        method: 'POST',
        ca: pki.read('ca.crt'),
        servername: 'mcs-webhook.mcs-system.svc',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString())) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  await ensureBuilt();
  cri = await ContainerdHarness.start();
  redis = await TestRedis.start();
  const port = await freePort();
  service = await startService(redis.url, { listen: `127.0.0.1:${port}`, hostTtl: '30' });
  client = connect(`127.0.0.1:${port}`);
  pki = new TestPki()
    .ca('ca')
    .leaf('webhook', 'ca', { cn: 'mcs-webhook.mcs-system.svc', dns: ['mcs-webhook.mcs-system.svc'], server: true });
  webhookPort = await freePort();
  // A short pending TTL: the agent's renewal is what keeps a running pod's lease.
  webhook = runCli([
    'webhook',
    '--listen',
    `127.0.0.1:${webhookPort}`,
    '--tls-cert',
    pki.path('webhook.crt'),
    '--tls-key',
    pki.path('webhook.key'),
    '--redis',
    redis.url,
    '--host',
    CLUSTER,
    '--pending-ttl',
    '60',
    '--host-ttl',
    '30',
    '--recovery-window',
    '0',
  ]);
  await waitUntil(
    'the webhook answers',
    async () =>
      post('/mutate', createReview(pod({ name: 'probe', namespace: 'kube-system' }))).then(
        () => true,
        () => undefined,
      ),
    20_000,
  );
  agent = new AgentProcess({
    server: `127.0.0.1:${port}`,
    host: NODE,
    runtime: 'cri',
    runtimeSocket: cri.socketPath,
    dir: cri.dir,
    extraArgs: ['--reconcile-interval', '2', '--cluster-lease-ttl', '900'],
  });
}, 120_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await cri?.cleanup();
  await webhook?.dispose();
  client?.close();
  await service?.close();
  await redis?.stop();
  pki?.dispose();
});

describe('webhook, agent and containerd', () => {
  it("a pod admitted by the webhook runs at its level; the node's agent renews its lease without reconciling it; the final DELETE releases it", async () => {
    // The apiserver's mutating admission.
    const created = pod({ name: 'web-1', claims: ['media'] });
    const review = await post('/mutate', createReview(created));
    expect(review.response.allowed).toBe(true);
    const admitted: Pod = jsonpatch.applyPatch(
      structuredClone(created),
      JSON.parse(Buffer.from(review.response.patch, 'base64').toString()),
      true,
      false,
    ).newDocument;
    const level: string = admitted.spec.securityContext.seLinuxOptions.level;
    const leaseId: string = admitted.metadata.annotations['io.mcs-allocator.lease-id'];
    const lease = await client.GetLease({ lease_id: leaseId });
    expect([lease.host, lease.level]).toEqual([CLUSTER, level]);
    const pendingUntil = Number(lease.expires_at!.seconds) * 1000;
    expect(pendingUntil).toBeLessThan(Date.now() + 61_000);

    // The kubelet: the sandbox carries the pod's annotations, sandbox and containers the pod's level.
    const sandbox = await cri.runPod('web-1', { selinuxLevel: level, annotations: admitted.metadata.annotations });
    await cri.runContainer(sandbox, 'app', { selinuxLevel: level });
    // A pod the webhook never saw (a static pod, say) on the same node.
    const other = await cri.runPod('static-pod', { selinuxLevel: 's0:c900,c901' });
    const otherMain = await cri.runContainer(other, 'main', { selinuxLevel: 's0:c900,c901' });

    await agent.start();
    // Renewed by the agent to its --cluster-lease-ttl.
    await waitUntil(
      'the agent renewed the pod lease',
      async () => {
        const l = await client.GetLease({ lease_id: leaseId });
        return Number(l.expires_at!.seconds) * 1000 > Date.now() + 800_000 || undefined;
      },
      20_000,
    );
    // The node holds the other pod's lease only; the webhook's pod is not reconciled here (no conflict).
    await waitUntil(
      'the node reconciled the other pod',
      async () => {
        const res = await client.ListLeases({ host: NODE });
        const members = res.leases.flatMap((l) => l.members).sort();
        return JSON.stringify(members) === JSON.stringify([other.id, otherMain].sort()) || undefined;
      },
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2500)); // another reconcile round
    expect(agent.logText()).not.toContain('runs with a level the service cannot grant it');
    expect((await client.GetLease({ lease_id: leaseId })).members).toContain('pod:team-a/web-1');

    // The kubelet's final DELETE, after the containers stopped.
    const live = running(admitted, NODE);
    live.metadata.deletionTimestamp = new Date().toISOString();
    const del = await post('/validate', deleteReview(live, { gracePeriodSeconds: 0 }));
    expect(del.response.allowed).toBe(true);
    const after = await client.GetLease({ lease_id: leaseId });
    // The pod left; the claim's anchor holds the level for the next pod of the claim until the TTL.
    expect(after.members).toEqual(['pvc:team-a/media']);
    await cri.client.stopPodSandbox(sandbox.id);
    await cri.client.removePodSandbox(sandbox.id);
  });

  it('after Redis lost everything, the agent leases the levels of the pods it runs again, shared ones shared', async () => {
    const admitted: Pod[] = [];
    for (const name of ['db-0', 'db-1']) {
      const created = pod({ name, claims: ['shared-rwx'] });
      const review = await post('/mutate', createReview(created));
      admitted.push(
        jsonpatch.applyPatch(structuredClone(created), JSON.parse(Buffer.from(review.response.patch, 'base64').toString()), true, false)
          .newDocument,
      );
    }
    const level: string = admitted[0]!.spec.securityContext.seLinuxOptions.level;
    expect(admitted[1]!.spec.securityContext.seLinuxOptions.level).toBe(level);
    expect(admitted[0]!.metadata.annotations['io.mcs-allocator.shares']).toBe('pvc:team-a/shared-rwx');
    for (const p of admitted) {
      const sb = await cri.runPod(p.metadata.name, { selinuxLevel: level, annotations: p.metadata.annotations });
      await cri.runContainer(sb, 'main', { selinuxLevel: level });
    }
    await redis.stopProcess();
    await redis.startProcess();
    await waitUntil(
      "the agent leased both pods' level again, in one lease with the claim",
      async () => {
        try {
          const l = await client.GetLease({ host: CLUSTER, workload_id: 'pvc:team-a/shared-rwx' });
          return (l.level === level && ['pod:team-a/db-0', 'pod:team-a/db-1'].every((m) => l.members.includes(m))) || undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nagent log:\n${agent
          .logText()
          .split('\n')
          .filter((l) => /lease|reconcil|renew/.test(l))
          .slice(-30)
          .join('\n')}`,
      );
    });
    expect(agent.logText()).toContain('leased its level again');
    // A new pod of the claim joins the restored lease through the webhook.
    const created = pod({ name: 'db-2', claims: ['shared-rwx'] });
    const next = await post('/mutate', createReview(created));
    const out: Pod = jsonpatch.applyPatch(
      structuredClone(created),
      JSON.parse(Buffer.from(next.response.patch, 'base64').toString()),
      true,
      false,
    ).newDocument;
    expect(out.spec.securityContext.seLinuxOptions.level).toBe(level);
  });
});
