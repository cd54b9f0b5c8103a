// Original file: proto/mcs/v1/allocator.proto

import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

// Original file: proto/mcs/v1/allocator.proto

export const _mcs_v1_LeaseEvent_Type = {
  TYPE_UNSPECIFIED: 'TYPE_UNSPECIFIED',
  ALLOCATED: 'ALLOCATED',
  RELEASED: 'RELEASED',
  EXPIRED: 'EXPIRED',
  RESTORED: 'RESTORED',
  RENEWED: 'RENEWED',
  /**
   * A pair held for a stable key went back to the pool (retention over,
   * or the hold was dropped): the lease is the hold as it was.
   */
  HOLD_ENDED: 'HOLD_ENDED',
} as const;

export type _mcs_v1_LeaseEvent_Type =
  | 'TYPE_UNSPECIFIED'
  | 0
  | 'ALLOCATED'
  | 1
  | 'RELEASED'
  | 2
  | 'EXPIRED'
  | 3
  | 'RESTORED'
  | 4
  | 'RENEWED'
  | 5
  /**
   * A pair held for a stable key went back to the pool (retention over,
   * or the hold was dropped): the lease is the hold as it was.
   */
  | 'HOLD_ENDED'
  | 6

export type _mcs_v1_LeaseEvent_Type__Output = typeof _mcs_v1_LeaseEvent_Type[keyof typeof _mcs_v1_LeaseEvent_Type]

export interface LeaseEvent {
  /**
   * Redis stream id, e.g. "1795945327853-0"; increases with every event.
   */
  'event_id'?: (string);
  'type'?: (_mcs_v1_LeaseEvent_Type);
  /**
   * The lease after the change (for RELEASED and EXPIRED: as it was).
   */
  'lease'?: (_mcs_v1_Lease | null);
  'at'?: (_google_protobuf_Timestamp | null);
  /**
   * For RELEASED: the member that left (empty when the whole lease ended).
   */
  'workload_id'?: (string);
}

export interface LeaseEvent__Output {
  /**
   * Redis stream id, e.g. "1795945327853-0"; increases with every event.
   */
  'event_id': (string);
  'type': (_mcs_v1_LeaseEvent_Type__Output);
  /**
   * The lease after the change (for RELEASED and EXPIRED: as it was).
   */
  'lease': (_mcs_v1_Lease__Output | null);
  'at': (_google_protobuf_Timestamp__Output | null);
  /**
   * For RELEASED: the member that left (empty when the whole lease ended).
   */
  'workload_id': (string);
}
