// Original file: proto/mcs/v1/allocator.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { VolumeClaim as _mcs_v1_VolumeClaim, VolumeClaim__Output as _mcs_v1_VolumeClaim__Output } from '../../mcs/v1/VolumeClaim';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/mcs/v1/allocator.proto

export const _mcs_v1_Lease_Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  /**
   * A pair drawn at random.
   */
  RANDOM: 'RANDOM',
  /**
   * A level the request named (options.level).
   */
  STATIC: 'STATIC',
  /**
   * options.disable: the privileged type at s0; no pair is consumed.
   */
  DISABLED: 'DISABLED',
} as const;

export type _mcs_v1_Lease_Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  /**
   * A pair drawn at random.
   */
  | 'RANDOM'
  | 1
  /**
   * A level the request named (options.level).
   */
  | 'STATIC'
  | 2
  /**
   * options.disable: the privileged type at s0; no pair is consumed.
   */
  | 'DISABLED'
  | 3

export type _mcs_v1_Lease_Kind__Output = typeof _mcs_v1_Lease_Kind[keyof typeof _mcs_v1_Lease_Kind]

export interface Lease {
  /**
   * Opaque id, unique across pools and time.
   */
  'lease_id'?: (string);
  'pool'?: (string);
  'host'?: (string);
  'workload_id'?: (string);
  /**
   * Canonical MCS level, e.g. "s0:c12,c907".
   */
  'level'?: (string);
  /**
   * Context for the workload's processes, e.g. "system_u:system_r:container_t:s0:c12,c907".
   */
  'process_label'?: (string);
  /**
   * Context for the workload's files and mounts.
   */
  'mount_label'?: (string);
  /**
   * Context for read-only content.
   */
  'ro_mount_label'?: (string);
  /**
   * Increases with every grant in the pool; a client holding an older token
   * than the pool's current holder of the pair has lost it.
   */
  'fencing_token'?: (number | string | Long);
  'created_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Unset when the lease never expires.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Workloads sharing the label (a pod): workload_id first, then those that
   * joined with share_with. The pair returns to the pool when the last
   * member is released.
   */
  'members'?: (string)[];
  /**
   * Volumes whose labels this lease claims (see PlanVolumes).
   */
  'claims'?: (_mcs_v1_VolumeClaim)[];
  'kind'?: (_mcs_v1_Lease_Kind);
  /**
   * The level's name in the server's setrans.conf (--setrans), when it has one.
   */
  'level_name'?: (string);
  /**
   * The stable key the lease was granted with (AllocateRequest.stable_key).
   */
  'stable_key'?: (string);
  /**
   * Set for a pair held for its stable key after its lease ended (no
   * members): when the hold ends and the pair goes back to the pool. Such
   * holds are listed with ListLeasesRequest.held; releasing the id drops one.
   */
  'held_until'?: (_google_protobuf_Timestamp | null);
}

export interface Lease__Output {
  /**
   * Opaque id, unique across pools and time.
   */
  'lease_id': (string);
  'pool': (string);
  'host': (string);
  'workload_id': (string);
  /**
   * Canonical MCS level, e.g. "s0:c12,c907".
   */
  'level': (string);
  /**
   * Context for the workload's processes, e.g. "system_u:system_r:container_t:s0:c12,c907".
   */
  'process_label': (string);
  /**
   * Context for the workload's files and mounts.
   */
  'mount_label': (string);
  /**
   * Context for read-only content.
   */
  'ro_mount_label': (string);
  /**
   * Increases with every grant in the pool; a client holding an older token
   * than the pool's current holder of the pair has lost it.
   */
  'fencing_token': (string);
  'created_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Unset when the lease never expires.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Workloads sharing the label (a pod): workload_id first, then those that
   * joined with share_with. The pair returns to the pool when the last
   * member is released.
   */
  'members': (string)[];
  /**
   * Volumes whose labels this lease claims (see PlanVolumes).
   */
  'claims': (_mcs_v1_VolumeClaim__Output)[];
  'kind': (_mcs_v1_Lease_Kind__Output);
  /**
   * The level's name in the server's setrans.conf (--setrans), when it has one.
   */
  'level_name': (string);
  /**
   * The stable key the lease was granted with (AllocateRequest.stable_key).
   */
  'stable_key': (string);
  /**
   * Set for a pair held for its stable key after its lease ended (no
   * members): when the hold ends and the pair goes back to the pool. Such
   * holds are listed with ListLeasesRequest.held; releasing the id drops one.
   */
  'held_until': (_google_protobuf_Timestamp__Output | null);
}
