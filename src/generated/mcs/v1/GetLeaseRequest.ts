// Original file: proto/mcs/v1/allocator.proto


export interface GetLeaseRequest {
  /**
   * Either lease_id, or host + workload_id.
   */
  'lease_id'?: (string);
  'host'?: (string);
  'workload_id'?: (string);
}

export interface GetLeaseRequest__Output {
  /**
   * Either lease_id, or host + workload_id.
   */
  'lease_id': (string);
  'host': (string);
  'workload_id': (string);
}
