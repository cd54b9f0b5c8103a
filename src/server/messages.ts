/**
 * Mapping between the store's and the domain's values and the proto
 * messages (src/generated/mcs/v1): nothing here decides anything.
 */
import type { Lease as LeaseMessage } from '../generated/mcs/v1/Lease.js';
import type { LeaseEvent as LeaseEventMessage } from '../generated/mcs/v1/LeaseEvent.js';
import type { LabelOptions__Output } from '../generated/mcs/v1/LabelOptions.js';
import type { PoolStats } from '../generated/mcs/v1/PoolStats.js';
import type { Timestamp } from '../generated/google/protobuf/Timestamp.js';
import type { Volume__Output } from '../generated/mcs/v1/Volume.js';
import type { VolumePlan } from '../generated/mcs/v1/VolumePlan.js';
import { NO_OPTIONS, type LabelOptionsInput } from '../domain/options.js';
import type { LevelNames } from '../domain/level-names.js';
import { planVolumes, type VolumeMode, type VolumeRequest } from '../domain/volumes.js';
import type { DecodedLeaseEvent, Lease, PoolStats as StorePoolStats } from '../store/lease-store.js';

export function timestamp(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

const KINDS = { random: 'RANDOM', static: 'STATIC', disabled: 'DISABLED' } as const;

export function leaseMessage(l: Lease, translator?: LevelNames): LeaseMessage {
  return {
    level_name: translator?.toName(l.level) ?? '',
    lease_id: l.id,
    pool: l.pool,
    host: l.host,
    workload_id: l.workloadId,
    level: l.level,
    process_label: l.processLabel,
    mount_label: l.mountLabel,
    ro_mount_label: l.roMountLabel,
    fencing_token: l.fencingToken,
    created_at: timestamp(l.createdAt),
    expires_at: l.expiresAt > 0 ? timestamp(l.expiresAt) : null,
    members: [...l.members],
    claims: l.claims.map((c) => ({
      host_path: c.path,
      mode: c.mode,
      storage_id: c.scope.startsWith('s:') ? c.scope.slice(2) : '',
    })),
    kind: KINDS[l.kind],
    stable_key: l.stableKey,
    held_until: l.heldUntil > 0 ? timestamp(l.heldUntil) : null,
  };
}

export function leaseEventMessage(e: DecodedLeaseEvent, translator?: LevelNames): LeaseEventMessage {
  return { event_id: e.id, type: e.type, lease: leaseMessage(e.lease, translator), at: timestamp(e.at), workload_id: e.workloadId };
}

export function optionsInput(o: LabelOptions__Output | null): LabelOptionsInput {
  if (!o) return NO_OPTIONS;
  return { user: o.user, role: o.role, type: o.type, level: o.level, filetype: o.filetype, disable: o.disable, profile: o.profile };
}

export function volumeRequests(volumes: readonly Volume__Output[]): VolumeRequest[] {
  return volumes.map((v) => ({
    hostPath: v.host_path,
    mode: v.mode as VolumeMode,
    readOnly: v.read_only,
    storageId: v.storage_id,
    currentLabel: v.current_label,
  }));
}

/** The plan for a lease's volumes: targets come from the lease's own labels. */
export function volumePlanMessage(lease: Lease, volumes: readonly VolumeRequest[], sensitivity: string): VolumePlan {
  const strip = (label: string) => label.slice(0, label.length - lease.level.length - 1);
  const actions = planVolumes(volumes, {
    mountLabel: lease.mountLabel,
    roMountLabel: lease.roMountLabel,
    sharedLabel: `${strip(lease.mountLabel)}:${sensitivity}`,
    roSharedLabel: `${strip(lease.roMountLabel)}:${sensitivity}`,
  });
  return {
    actions: actions.map((a) => ({
      host_path: a.hostPath,
      action: a.action,
      target_label: a.targetLabel,
      command: [...a.command],
      mount_option: a.mountOption,
      reason: a.reason,
    })),
  };
}

export function poolStatsMessage(s: StorePoolStats): PoolStats {
  return {
    pool: s.pool,
    category_range: s.categoryRange,
    total: String(s.total),
    leased: String(s.leased),
    free: String(s.free),
    reserved: String(s.reserved),
    blocked: String(s.blocked),
    held: String(s.held),
    sensitivity: s.sensitivity,
  };
}

/** The fields of a lease every log line about it carries. */
export function leaseLog(l: Lease): Record<string, unknown> {
  return { leaseId: l.id, host: l.host, workloadId: l.workloadId, level: l.level };
}
