// Original file: proto/mcs/v1/allocator.proto

import type { VolumeAction as _mcs_v1_VolumeAction, VolumeAction__Output as _mcs_v1_VolumeAction__Output } from '../../mcs/v1/VolumeAction';

export interface VolumePlan {
  /**
   * One action per requested volume, in request order.
   */
  'actions'?: (_mcs_v1_VolumeAction)[];
}

export interface VolumePlan__Output {
  /**
   * One action per requested volume, in request order.
   */
  'actions': (_mcs_v1_VolumeAction__Output)[];
}
