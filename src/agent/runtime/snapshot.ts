import type { RuntimeEvent, RuntimeEventType, RuntimeWorkload, WorkloadRole, WorkloadState } from './types.js';

/** What a poll remembers of a workload to tell what changed since. */
export interface SnapshotEntry {
  readonly id: string;
  readonly role: WorkloadRole;
  readonly name: string;
  readonly state: WorkloadState;
  readonly runtimeState: string;
  readonly podId?: string | undefined;
  /** The process of a running workload: a new pid means it was restarted in between. */
  readonly pid?: number | undefined;
}

export type Snapshot = ReadonlyMap<string, SnapshotEntry>;

export function snapshotOf(workloads: readonly RuntimeWorkload[]): Map<string, SnapshotEntry> {
  const out = new Map<string, SnapshotEntry>();
  for (const w of workloads) {
    out.set(w.id, {
      id: w.id,
      role: w.role,
      name: w.name,
      state: w.state,
      runtimeState: w.runtimeState,
      podId: w.pod?.id,
      pid: w.pid,
    });
  }
  return out;
}

/** The event a workload now in `state` gives, when its state changed. */
export function eventTypeForState(state: WorkloadState): RuntimeEventType {
  switch (state) {
    case 'created':
      return 'created';
    case 'running':
      return 'started';
    case 'exited':
      return 'died';
    case 'unknown':
      return 'other';
  }
}

function event(type: RuntimeEventType, entry: SnapshotEntry, raw: string, time: Date): RuntimeEvent {
  return {
    type,
    id: entry.id,
    role: entry.role,
    name: entry.name,
    raw,
    source: 'poll',
    time,
    ...(entry.podId ? { podId: entry.podId } : {}),
  };
}

/**
 * The events that turn `prev` into `next`, as a runtime's event stream would
 * have reported them (at the resolution of the polls): a workload seen for
 * the first time gives the event of its state (created, started, or died
 * when it already exited), a state change gives the event of the new state,
 * a running workload with a new pid died and started again, and one that is
 * gone was removed. Order: `next`'s order, then the removals in `prev`'s.
 */
export function diffSnapshots(prev: Snapshot, next: Snapshot, time: Date): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  for (const entry of next.values()) {
    const before = prev.get(entry.id);
    if (!before) {
      out.push(event(eventTypeForState(entry.state), entry, `(new)->${entry.runtimeState}`, time));
    } else if (before.state !== entry.state) {
      out.push(event(eventTypeForState(entry.state), entry, `${before.runtimeState}->${entry.runtimeState}`, time));
    } else if (entry.state === 'running' && before.pid && entry.pid && before.pid !== entry.pid) {
      const raw = `${before.runtimeState}(pid ${before.pid})->${entry.runtimeState}(pid ${entry.pid})`;
      out.push(event('died', before, raw, time), event('started', entry, raw, time));
    }
  }
  for (const before of prev.values()) {
    if (!next.has(before.id)) out.push(event('removed', before, `${before.runtimeState}->(removed)`, time));
  }
  return out;
}

/**
 * The snapshot after an event from a runtime's stream, so that a later
 * poll (after the stream broke) reports only what the stream missed.
 */
export function applyEvent(snapshot: Map<string, SnapshotEntry>, e: RuntimeEvent): void {
  const before = snapshot.get(e.id);
  if (e.type === 'removed') {
    snapshot.delete(e.id);
    return;
  }
  const state: WorkloadState | undefined =
    e.type === 'created' ? 'created' : e.type === 'started' ? 'running' : e.type === 'died' ? 'exited' : undefined;
  if (!state) return;
  snapshot.set(e.id, {
    id: e.id,
    role: before?.role ?? e.role,
    name: e.name ?? before?.name ?? '',
    state,
    runtimeState: e.raw,
    podId: e.podId ?? before?.podId,
    // The pid is unknown after a stream event; a poll must not read a new pid as a restart.
    pid: undefined,
  });
}
