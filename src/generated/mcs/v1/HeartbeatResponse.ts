// Original file: proto/mcs/v1/allocator.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface HeartbeatResponse {
  /**
   * When the host's leases are reclaimed unless it beats again (unset when
   * the server binds no lease to host liveness).
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Workloads holding leases on the host (pod members count once each).
   */
  'leases'?: (number | string | Long);
  /**
   * Opaque; changes whenever the pool was created anew in Redis (Redis lost
   * its data). A host that sees it change should Reconcile at once: the
   * pool no longer knows its leases.
   */
  'pool_epoch'?: (string);
}

export interface HeartbeatResponse__Output {
  /**
   * When the host's leases are reclaimed unless it beats again (unset when
   * the server binds no lease to host liveness).
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Workloads holding leases on the host (pod members count once each).
   */
  'leases': (string);
  /**
   * Opaque; changes whenever the pool was created anew in Redis (Redis lost
   * its data). A host that sees it change should Reconcile at once: the
   * pool no longer knows its leases.
   */
  'pool_epoch': (string);
}
