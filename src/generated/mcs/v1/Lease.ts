// Original file: proto/mcs/v1/allocator.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

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
}
