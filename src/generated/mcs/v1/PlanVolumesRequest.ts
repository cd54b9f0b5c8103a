// Original file: proto/mcs/v1/allocator.proto

import type { Volume as _mcs_v1_Volume, Volume__Output as _mcs_v1_Volume__Output } from '../../mcs/v1/Volume';

export interface PlanVolumesRequest {
  'lease_id'?: (string);
  'volumes'?: (_mcs_v1_Volume)[];
}

export interface PlanVolumesRequest__Output {
  'lease_id': (string);
  'volumes': (_mcs_v1_Volume__Output)[];
}
