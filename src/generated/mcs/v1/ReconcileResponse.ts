// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';
import type { ReconcileConflict as _mcs_v1_ReconcileConflict, ReconcileConflict__Output as _mcs_v1_ReconcileConflict__Output } from '../../mcs/v1/ReconcileConflict';

export interface ReconcileResponse {
  /**
   * Leases that already matched a reported workload.
   */
  'kept'?: (_mcs_v1_Lease)[];
  /**
   * Leases re-created (or joined) for reported labels that were free.
   */
  'restored'?: (_mcs_v1_Lease)[];
  /**
   * Reported labels held by someone else or otherwise not grantable.
   */
  'conflicts'?: (_mcs_v1_ReconcileConflict)[];
  /**
   * Leases (or pod memberships) the host held but no longer reports.
   */
  'released'?: (_mcs_v1_Lease)[];
}

export interface ReconcileResponse__Output {
  /**
   * Leases that already matched a reported workload.
   */
  'kept': (_mcs_v1_Lease__Output)[];
  /**
   * Leases re-created (or joined) for reported labels that were free.
   */
  'restored': (_mcs_v1_Lease__Output)[];
  /**
   * Reported labels held by someone else or otherwise not grantable.
   */
  'conflicts': (_mcs_v1_ReconcileConflict__Output)[];
  /**
   * Leases (or pod memberships) the host held but no longer reports.
   */
  'released': (_mcs_v1_Lease__Output)[];
}
