// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';
import type { VolumePlan as _mcs_v1_VolumePlan, VolumePlan__Output as _mcs_v1_VolumePlan__Output } from '../../mcs/v1/VolumePlan';

export interface AllocateResponse {
  'lease'?: (_mcs_v1_Lease | null);
  /**
   * True when this call (or the first attempt with the same request_id)
   * granted the lease or joined it; false when an existing one was returned.
   */
  'created'?: (boolean);
  'volume_plan'?: (_mcs_v1_VolumePlan | null);
}

export interface AllocateResponse__Output {
  'lease': (_mcs_v1_Lease__Output | null);
  /**
   * True when this call (or the first attempt with the same request_id)
   * granted the lease or joined it; false when an existing one was returned.
   */
  'created': (boolean);
  'volume_plan': (_mcs_v1_VolumePlan__Output | null);
}
