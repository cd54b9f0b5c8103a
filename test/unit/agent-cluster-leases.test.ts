import { describe, expect, it } from 'vitest';
import { splitClusterLeased } from '../../src/agent/cluster-leases.js';
import { planReconcile } from '../../src/agent/plan.js';
import type { RuntimeWorkload } from '../../src/agent/runtime/types.js';

function w(id: string, role: RuntimeWorkload['role'], o: Partial<RuntimeWorkload> = {}): RuntimeWorkload {
  return {
    id,
    name: id,
    role,
    state: 'running',
    runtimeState: role === 'sandbox' ? 'SANDBOX_READY' : 'CONTAINER_RUNNING',
    labels: {},
    annotations: {},
    ...o,
  };
}

describe('splitClusterLeased', () => {
  const podA = w('sb-a', 'sandbox', {
    annotations: { 'io.mcs-allocator.lease-id': 'aaaaleaseaaaaaaa', 'io.mcs-allocator.workload-id': 'pod:team-a/web-1' },
    level: 's0:c1,c2',
    levelSource: 'requested',
    pod: { id: 'sb-a', name: 'web-1', namespace: 'team-a', uid: 'u1' },
  });
  const podB = w('sb-b', 'sandbox', {
    annotations: { 'io.mcs-allocator.lease-id': 'aaaaleaseaaaaaaa', 'io.mcs-allocator.shares': 'pvc:team-a/a,pvc:team-a/b' },
    level: 's0:c1,c2',
    levelSource: 'requested',
    pod: { id: 'sb-b', name: 'web-2' },
  });
  const stopped = w('sb-c', 'sandbox', {
    state: 'exited',
    runtimeState: 'SANDBOX_NOTREADY',
    annotations: { 'io.mcs-allocator.lease-id': 'ccccleasecccccccc' },
    pod: { id: 'sb-c', name: 'old' },
  });
  const plain = w('sb-p', 'sandbox', { level: 's0:c5,c6', levelSource: 'requested', pod: { id: 'sb-p', name: 'host-pod' } });
  const inA = w('ctr-a', 'container', { level: 's0:c1,c2', levelSource: 'requested', pod: { id: 'sb-a', name: 'web-1' } });
  const inC = w('ctr-c', 'container', { state: 'exited', runtimeState: 'CONTAINER_EXITED', pod: { id: 'sb-c', name: 'old' } });
  const inPlain = w('ctr-p', 'container', { level: 's0:c5,c6', levelSource: 'requested', pod: { id: 'sb-p', name: 'host-pod' } });

  it("names each pod of a webhook lease once, for ready sandboxes only, and reports only what is not the webhook's", () => {
    const again = { ...podA, id: 'sb-a2', pod: { ...podA.pod!, id: 'sb-a2', attempt: 1 } };
    const { local, renew } = splitClusterLeased([podA, again, podB, stopped, plain, inA, inC, inPlain]);
    expect(renew).toEqual([
      { leaseId: 'aaaaleaseaaaaaaa', sandboxId: 'sb-a', level: 's0:c1,c2', workloadId: 'pod:team-a/web-1', shares: [] },
      {
        leaseId: 'aaaaleaseaaaaaaa',
        sandboxId: 'sb-b',
        level: 's0:c1,c2',
        workloadId: undefined,
        shares: ['pvc:team-a/a', 'pvc:team-a/b'],
      },
    ]);
    expect(local.map((x) => x.id)).toEqual(['sb-p', 'ctr-p']);
    const plan = planReconcile({ workloads: local, records: new Map(), leases: [], now: 0, graceMs: 0 });
    expect(plan.report).toEqual([
      { workload_id: 'sb-p', level: 's0:c5,c6' },
      { workload_id: 'ctr-p', level: 's0:c5,c6' },
    ]);
  });
  it('reads the anchors a shared lease needs', () => {
    expect(splitClusterLeased([podB]).renew).toEqual([
      {
        leaseId: 'aaaaleaseaaaaaaa',
        sandboxId: 'sb-b',
        level: 's0:c1,c2',
        workloadId: undefined,
        shares: ['pvc:team-a/a', 'pvc:team-a/b'],
      },
    ]);
  });
  it('leaves a host without webhook pods as it is', () => {
    const { local, renew } = splitClusterLeased([plain, inPlain]);
    expect(renew).toEqual([]);
    expect(local).toEqual([plain, inPlain]);
  });
});
