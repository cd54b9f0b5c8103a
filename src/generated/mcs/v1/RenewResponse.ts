// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';

export interface RenewResponse {
  'lease'?: (_mcs_v1_Lease | null);
}

export interface RenewResponse__Output {
  'lease': (_mcs_v1_Lease__Output | null);
}
