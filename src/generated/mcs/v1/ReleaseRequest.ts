// Original file: proto/mcs/v1/allocator.proto

import type { Long } from '@grpc/proto-loader';

export interface ReleaseRequest {
  /**
   * Either lease_id, or host + workload_id. lease_id alone ends the lease
   * for all its members; with workload_id (or by host + workload_id) only
   * that member leaves, and the pair is freed with the last member.
   */
  'lease_id'?: (string);
  /**
   * With lease_id: when set, must match the lease's host.
   */
  'host'?: (string);
  'workload_id'?: (string);
  /**
   * When non-zero, must match the lease's fencing token.
   */
  'fencing_token'?: (number | string | Long);
}

export interface ReleaseRequest__Output {
  /**
   * Either lease_id, or host + workload_id. lease_id alone ends the lease
   * for all its members; with workload_id (or by host + workload_id) only
   * that member leaves, and the pair is freed with the last member.
   */
  'lease_id': (string);
  /**
   * With lease_id: when set, must match the lease's host.
   */
  'host': (string);
  'workload_id': (string);
  /**
   * When non-zero, must match the lease's fencing token.
   */
  'fencing_token': (string);
}
