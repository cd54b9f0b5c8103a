import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideEvent,
  drift,
  knowWorkloads,
  leasesByMember,
  planReconcile,
  workloadIdOf,
  type HeldLease,
  type HookRecord,
} from '../../src/agent/plan.js';
import type { RuntimeWorkload, WorkloadState } from '../../src/agent/runtime/types.js';

const NOW = 1_800_000_000_000;
const id = (n: number) => n.toString(16).padStart(64, '0');

function workload(n: number, state: WorkloadState, extra: Partial<RuntimeWorkload> = {}): RuntimeWorkload {
  return { id: id(n), name: `c${n}`, role: 'container', state, runtimeState: state, labels: {}, annotations: {}, ...extra };
}

function lease(workloadId: string, level: string, ageMs = 3_600_000, members: string[] = [workloadId]): HeldLease {
  return { leaseId: `lease-${workloadId}`, workloadId, level, members, createdAt: NOW - ageMs };
}

function record(workloadId: string, level: string, grantedAt = NOW - 60_000): HookRecord {
  return { workloadId, level, leaseId: `rec-${workloadId}`, fencingToken: '7', grantedAt };
}

const same = (a: string, b: string) => a === b;

describe('workloadIdOf', () => {
  it('is the workload-id annotation, else the container id (as the hooks derive it)', () => {
    expect(workloadIdOf({ id: id(1), annotations: { 'io.mcs-allocator.workload-id': 'web' } })).toBe('web');
    expect(workloadIdOf({ id: id(1), annotations: {} })).toBe(id(1));
    expect(workloadIdOf({ id: id(1), annotations: undefined })).toBe(id(1));
  });
});

describe('planReconcile', () => {
  const cases: {
    name: string;
    workloads: RuntimeWorkload[];
    records?: HookRecord[];
    leases?: HeldLease[];
    report: [string, string][];
    unlabelled?: string[];
    young?: string[];
  }[] = [
    {
      name: 'the process label wins over a record and a lease',
      workloads: [workload(1, 'running', { level: 's0:c1,c2', levelSource: 'process-label' })],
      records: [record(id(1), 's0:c3,c4')],
      leases: [lease(id(1), 's0:c5,c6')],
      report: [[id(1), 's0:c1,c2']],
    },
    {
      name: 'SELinux disabled: the level precreate recorded (Redis lost everything)',
      workloads: [workload(1, 'running'), workload(2, 'running', { annotations: { 'io.mcs-allocator.workload-id': 'db' } })],
      records: [record(id(1), 's0:c1,c2'), record('db', 's0:c9,c10')],
      report: [
        [id(1), 's0:c1,c2'],
        ['db', 's0:c9,c10'],
      ],
    },
    {
      name: 'the service lease keeps what the agent cannot see otherwise',
      workloads: [workload(1, 'running')],
      leases: [lease(id(1), 's0:c1,c2')],
      report: [[id(1), 's0:c1,c2']],
    },
    {
      name: 'exited workloads are not reported (their leases go)',
      workloads: [
        workload(1, 'exited'),
        workload(2, 'created', { runtimeState: 'CONTAINER_CREATED', level: 's0:c3,c4', levelSource: 'requested' }),
      ],
      records: [record(id(1), 's0:c1,c2')],
      leases: [lease(id(1), 's0:c1,c2')],
      report: [[id(2), 's0:c3,c4']],
    },
    {
      name: "Podman's created (only in its database, as a failed start leaves it) is not live; initialized is",
      workloads: [workload(1, 'created'), workload(2, 'created', { runtimeState: 'initialized' })],
      records: [record(id(1), 's0:c1,c2'), record(id(2), 's0:c3,c4')],
      report: [[id(2), 's0:c3,c4']],
    },
    {
      name: 'unknown state counts as live: never release what may run',
      workloads: [workload(1, 'unknown')],
      records: [record(id(1), 's0:c1,c2')],
      report: [[id(1), 's0:c1,c2']],
    },
    {
      name: 'a live workload with no level anywhere is unlabelled, not reported',
      workloads: [workload(1, 'running')],
      report: [],
      unlabelled: [id(1)],
    },
    {
      name: 'a young lease with nothing running yet is kept (mcsctl allocate before podman run); an old one is not',
      workloads: [],
      leases: [lease('web', 's0:c1,c2', 5_000), lease('old', 's0:c3,c4', 120_000)],
      report: [['web', 's0:c1,c2']],
      young: ['web'],
    },
    {
      name: 'pod members: each live member reported with the shared level',
      workloads: [
        workload(1, 'running', { annotations: { 'io.mcs-allocator.workload-id': 'pod-a' } }),
        workload(2, 'running', { annotations: { 'io.mcs-allocator.workload-id': 'pod-b' } }),
      ],
      leases: [lease('pod-a', 's0:c1,c2', 3_600_000, ['pod-a', 'pod-b'])],
      report: [
        ['pod-a', 's0:c1,c2'],
        ['pod-b', 's0:c1,c2'],
      ],
    },
    {
      name: 'two containers under one workload id are reported once',
      workloads: [
        workload(1, 'running', { annotations: { 'io.mcs-allocator.workload-id': 'w' }, level: 's0:c1,c2', levelSource: 'process-label' }),
        workload(2, 'exited', { annotations: { 'io.mcs-allocator.workload-id': 'w' } }),
      ],
      report: [['w', 's0:c1,c2']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planReconcile({
        workloads: c.workloads,
        records: new Map((c.records ?? []).map((r) => [r.workloadId, r])),
        leases: c.leases ?? [],
        now: NOW,
        graceMs: 60_000,
      });
      expect(plan.report.map((r) => [r.workload_id, r.level])).toEqual(c.report);
      expect(plan.unlabelled.map((w) => w.workloadId)).toEqual(c.unlabelled ?? []);
      expect(plan.young).toEqual(c.young ?? []);
    });
  }

  it('property: reports each live workload with a known level exactly once, and nothing exited', () => {
    const states: WorkloadState[] = ['created', 'running', 'exited', 'unknown'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 20 }), state: fc.constantFrom(...states), recorded: fc.boolean() }), {
          maxLength: 30,
        }),
        (specs) => {
          const workloads = specs.map((s) => workload(s.n, s.state));
          const records = new Map(specs.filter((s) => s.recorded).map((s) => [id(s.n), record(id(s.n), `s0:c${s.n},c${s.n + 100}`)]));
          const plan = planReconcile({ workloads, records, leases: [], now: NOW, graceMs: 0 });
          const ids = plan.report.map((r) => r.workload_id);
          expect(new Set(ids).size).toBe(ids.length);
          const live = new Set(workloads.filter((w) => w.state !== 'exited' && w.state !== 'created').map((w) => w.id));
          for (const i of ids) expect(live.has(i)).toBe(true);
          for (const w of live) expect(ids.includes(w) !== plan.unlabelled.some((u) => u.workloadId === w)).toBe(true);
          for (const w of live) if (records.has(w)) expect(ids).toContain(w);
        },
      ),
    );
  });
});

describe('decideEvent', () => {
  const T = NOW;
  const cases: {
    name: string;
    facts: Parameters<typeof decideEvent>[0];
    expected: ReturnType<typeof decideEvent>['action'];
    leaseId?: string;
  }[] = [
    {
      name: 'died, gone from the runtime: release',
      facts: { type: 'died', time: T, current: undefined, record: undefined },
      expected: 'release',
    },
    {
      name: 'died, exited now: release the recorded lease',
      facts: { type: 'died', time: T, current: { state: 'exited', runtimeState: 'exited' }, record: record('w', 's0:c1,c2', T - 1000) },
      expected: 'release',
      leaseId: 'rec-w',
    },
    { name: 'removed: release', facts: { type: 'removed', time: T, current: undefined, record: undefined }, expected: 'release' },
    {
      name: 'died but running again (restart policy): keep',
      facts: { type: 'died', time: T, current: { state: 'running', runtimeState: 'running' }, record: undefined },
      expected: 'none',
    },
    {
      name: "a failed start (back in Podman's created): release",
      facts: { type: 'died', time: T, current: { state: 'created', runtimeState: 'created' }, record: undefined },
      expected: 'release',
    },
    {
      name: 'died, and precreate leased it again since: keep',
      facts: { type: 'died', time: T, current: { state: 'exited', runtimeState: 'exited' }, record: record('w', 's0:c1,c2', T + 15) },
      expected: 'none',
    },
    {
      name: 'started: nothing',
      facts: { type: 'started', time: T, current: { state: 'running', runtimeState: 'running' }, record: undefined },
      expected: 'none',
    },
    { name: 'created: nothing', facts: { type: 'created', time: T, current: undefined, record: undefined }, expected: 'none' },
    { name: 'other: nothing', facts: { type: 'other', time: T, current: undefined, record: undefined }, expected: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideEvent(c.facts);
      expect(d.action).toBe(c.expected);
      if (d.action === 'release') expect(d.leaseId).toBe(c.leaseId);
    });
  }
});

describe('drift', () => {
  it('tells missing, extra, different level, unlabelled and ok apart', () => {
    const known = knowWorkloads(
      [
        workload(1, 'running', { level: 's0:c1,c2', levelSource: 'process-label' }),
        workload(2, 'running', { level: 's0:c3,c4', levelSource: 'process-label' }),
        workload(3, 'running', { level: 's0:c5,c6', levelSource: 'process-label' }),
        workload(4, 'running'),
        workload(5, 'exited', { level: 's0:c9,c10', levelSource: 'process-label' }),
      ],
      new Map(),
      new Map(),
    );
    const rows = drift(
      known,
      [lease(id(1), 's0:c1,c2'), lease(id(3), 's0:c7,c8'), lease(id(5), 's0:c9,c10'), lease('gone', 's0:c11,c12')],
      same,
    );
    expect(rows.map((r) => [r.workloadId, r.kind])).toEqual([
      [id(1), 'ok'],
      [id(2), 'missing'],
      [id(3), 'different-level'],
      [id(4), 'unlabelled'],
      [id(5), 'extra'],
      ['gone', 'extra'],
    ]);
  });

  it('leasesByMember names every pod member', () => {
    expect([...leasesByMember([lease('a', 's0:c1,c2', 0, ['a', 'b'])]).keys()]).toEqual(['a', 'b']);
  });
});
