// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';

export interface ListLeasesResponse {
  'leases'?: (_mcs_v1_Lease)[];
  /**
   * Empty when there are no more pages.
   */
  'next_page_token'?: (string);
}

export interface ListLeasesResponse__Output {
  'leases': (_mcs_v1_Lease__Output)[];
  /**
   * Empty when there are no more pages.
   */
  'next_page_token': (string);
}
