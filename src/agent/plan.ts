/**
 * The agent's decisions, as pure functions of what it knows: which
 * workloads to report in a Reconcile, what a runtime event means for a
 * lease, and where the runtime and the service disagree (the drift view).
 *
 * How the agent knows a workload's level, in this order:
 *   1. the process label the runtime gave it (an SELinux host: Podman's
 *      ProcessLabel, the CRI runtime's OCI spec);
 *   2. for CRI, the level the pod's security context asked for;
 *   3. what precreate granted it through this agent (the hook record in the
 *      state directory: it survives an agent restart and a Redis that lost
 *      its data, and is the only source on a host with SELinux disabled);
 *   4. the lease the service holds for it (keeps a lease the agent cannot
 *      otherwise see, e.g. one taken by a precreate that bypassed the agent).
 * A live workload with none of these runs unlabelled by the allocator and is
 * not reported (the service holds nothing for it).
 */
import type { RuntimeWorkload, WorkloadState } from './runtime/types.js';

export const WORKLOAD_ID_ANNOTATION = 'io.mcs-allocator.workload-id';

/** What precreate granted through the agent, kept in the state directory. */
export interface HookRecord {
  readonly workloadId: string;
  readonly containerId?: string;
  readonly level: string;
  readonly leaseId: string;
  readonly fencingToken: string;
  /** When the agent recorded the grant (ms since the epoch, this host's clock). */
  readonly grantedAt: number;
}

/** The part of a service lease the decisions use. */
export interface HeldLease {
  readonly leaseId: string;
  readonly workloadId: string;
  readonly level: string;
  readonly members: readonly string[];
  /** ms since the epoch, by the server's clock; undefined when unknown. */
  readonly createdAt: number | undefined;
}

export type LevelSource = 'process-label' | 'requested' | 'hook-record' | 'service-lease';

export interface KnownWorkload {
  readonly containerId: string;
  readonly name: string;
  readonly role: RuntimeWorkload['role'];
  readonly state: WorkloadState;
  readonly runtimeState: string;
  readonly workloadId: string;
  readonly level?: string;
  readonly levelSource?: LevelSource;
}

/** The workload id a runtime workload's lease is held under: the annotation, else the container id (as the hooks derive it). */
export function workloadIdOf(w: Pick<RuntimeWorkload, 'id' | 'annotations'>): string {
  const fromAnnotation = w.annotations?.[WORKLOAD_ID_ANNOTATION];
  return fromAnnotation ? fromAnnotation : w.id;
}

/**
 * Whether the workload may run with its label now or in a moment: running,
 * created in the OCI runtime (CRI's CONTAINER_CREATED, Podman's
 * "initialized": the hooks ran), or unknown (never release what may run).
 * Exited is not, and neither is Podman's "created": a container only in
 * Podman's database, as a failed start leaves it (one starting right now
 * is covered by its young lease and its fresh hook record).
 */
export function isLive(w: Pick<RuntimeWorkload, 'state' | 'runtimeState'>): boolean {
  if (w.state === 'exited') return false;
  return !(w.state === 'created' && w.runtimeState === 'created');
}

/** Every member of every lease, by workload id. */
export function leasesByMember(leases: readonly HeldLease[]): Map<string, HeldLease> {
  const out = new Map<string, HeldLease>();
  for (const l of leases) for (const m of l.members.length > 0 ? l.members : [l.workloadId]) out.set(m, l);
  return out;
}

/** Each runtime workload with its workload id and the level the agent believes it runs with. */
export function knowWorkloads(
  workloads: readonly RuntimeWorkload[],
  records: ReadonlyMap<string, HookRecord>,
  leases: ReadonlyMap<string, HeldLease>,
): KnownWorkload[] {
  return workloads.map((w) => {
    const workloadId = workloadIdOf(w);
    const base = { containerId: w.id, name: w.name, role: w.role, state: w.state, runtimeState: w.runtimeState, workloadId };
    if (w.level && w.levelSource) return { ...base, level: w.level, levelSource: w.levelSource };
    const record = records.get(workloadId);
    if (record) return { ...base, level: record.level, levelSource: 'hook-record' as const };
    const lease = leases.get(workloadId);
    if (lease) return { ...base, level: lease.level, levelSource: 'service-lease' as const };
    return base;
  });
}

export interface ReconcileInput {
  readonly workloads: readonly RuntimeWorkload[];
  readonly records: ReadonlyMap<string, HookRecord>;
  /** The host's leases as the service holds them now. */
  readonly leases: readonly HeldLease[];
  readonly now: number;
  /**
   * A lease younger than this is kept although no workload runs under its
   * id yet: `mcsctl allocate` before `podman run`.
   */
  readonly graceMs: number;
}

export interface ReportedWorkload {
  readonly workload_id: string;
  readonly level: string;
}

export interface ReconcilePlan {
  readonly report: ReportedWorkload[];
  /** Live workloads the agent knows no level of (not reported). */
  readonly unlabelled: KnownWorkload[];
  /** Workload ids reported only because their lease is young. */
  readonly young: string[];
}

export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const byMember = leasesByMember(input.leases);
  const known = knowWorkloads(input.workloads, input.records, byMember);
  const report = new Map<string, string>();
  const unlabelled: KnownWorkload[] = [];
  for (const w of known) {
    if (!isLive(w) || report.has(w.workloadId)) continue;
    if (w.level === undefined) unlabelled.push(w);
    else report.set(w.workloadId, w.level);
  }
  const young: string[] = [];
  for (const [member, lease] of byMember) {
    if (report.has(member)) continue;
    if (lease.createdAt !== undefined && input.now - lease.createdAt < input.graceMs) {
      report.set(member, lease.level);
      young.push(member);
    }
  }
  return {
    report: [...report].map(([workload_id, level]) => ({ workload_id, level })),
    unlabelled: unlabelled.filter((w) => !report.has(w.workloadId)),
    young,
  };
}

export interface EventFacts {
  readonly type: 'created' | 'started' | 'died' | 'removed' | 'other';
  /** When the runtime says it happened (ms, this host's clock). */
  readonly time: number;
  /** The workload as the runtime lists it now; undefined when it is gone. */
  readonly current: Pick<RuntimeWorkload, 'state' | 'runtimeState'> | undefined;
  /** The newest grant precreate made for this workload through the agent. */
  readonly record: HookRecord | undefined;
}

export type EventDecision =
  { readonly action: 'release'; readonly leaseId: string | undefined } | { readonly action: 'none'; readonly why: string };

/**
 * What a runtime event means for the workload's lease. A death releases it
 * as promptly as a removal: the label is not in use while no process runs,
 * and a restart (a restart policy, `podman start`) runs precreate again,
 * which leases anew. Both are checked against a newer start, because with
 * a restart policy Podman runs poststop and precreate within milliseconds
 * of the death, before the event reaches the agent.
 */
export function decideEvent(e: EventFacts): EventDecision {
  if (e.type !== 'died' && e.type !== 'removed') return { action: 'none', why: `a ${e.type} event` };
  if (e.current && isLive(e.current)) return { action: 'none', why: 'it runs again' };
  if (e.record && e.record.grantedAt > e.time) return { action: 'none', why: 'precreate leased it again after the event' };
  return { action: 'release', leaseId: e.record?.leaseId };
}

export type DriftKind = 'ok' | 'missing' | 'extra' | 'different-level' | 'unlabelled';

export interface DriftRow {
  readonly workloadId: string;
  readonly kind: DriftKind;
  readonly containerId?: string;
  readonly name?: string;
  readonly runtimeLevel?: string;
  readonly levelSource?: LevelSource;
  readonly serviceLevel?: string;
  readonly leaseId?: string;
}

/**
 * The runtime against the service: missing (runs with a level, the service
 * holds no lease), extra (the service holds a lease, nothing runs under that
 * id), different-level, unlabelled (runs, no level known, no lease), ok.
 * Only live workloads count as running.
 */
export function drift(
  known: readonly KnownWorkload[],
  leases: readonly HeldLease[],
  sameLevel: (a: string, b: string) => boolean,
): DriftRow[] {
  const byMember = leasesByMember(leases);
  const rows: DriftRow[] = [];
  const seen = new Set<string>();
  for (const w of known) {
    if (!isLive(w) || seen.has(w.workloadId)) continue;
    seen.add(w.workloadId);
    const lease = byMember.get(w.workloadId);
    const base = {
      workloadId: w.workloadId,
      containerId: w.containerId,
      name: w.name,
      ...(w.level !== undefined ? { runtimeLevel: w.level } : {}),
      ...(w.levelSource ? { levelSource: w.levelSource } : {}),
      ...(lease ? { serviceLevel: lease.level, leaseId: lease.leaseId } : {}),
    };
    if (!lease) rows.push({ ...base, kind: w.level === undefined ? 'unlabelled' : 'missing' });
    else if (w.level !== undefined && w.levelSource !== 'service-lease' && !sameLevel(w.level, lease.level))
      rows.push({ ...base, kind: 'different-level' });
    else rows.push({ ...base, kind: 'ok' });
  }
  for (const [member, lease] of byMember) {
    if (!seen.has(member)) rows.push({ workloadId: member, kind: 'extra', serviceLevel: lease.level, leaseId: lease.leaseId });
  }
  return rows;
}
