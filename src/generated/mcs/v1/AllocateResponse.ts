// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';

export interface AllocateResponse {
  'lease'?: (_mcs_v1_Lease | null);
  /**
   * True when this call (or the first attempt with the same request_id)
   * granted the lease; false when an existing lease was returned.
   */
  'created'?: (boolean);
}

export interface AllocateResponse__Output {
  'lease': (_mcs_v1_Lease__Output | null);
  /**
   * True when this call (or the first attempt with the same request_id)
   * granted the lease; false when an existing lease was returned.
   */
  'created': (boolean);
}
