// Original file: proto/mcs/v1/allocator.proto


export interface AllocateRequest {
  /**
   * Host the workload runs on (letters, digits, '.', '-', '_'; at most 253).
   */
  'host'?: (string);
  /**
   * Runtime's id for the workload, e.g. a container id (printable ASCII, no
   * spaces; at most 256).
   */
  'workload_id'?: (string);
  /**
   * Optional client-chosen id that makes retries safe (at most 128 printable
   * ASCII characters). Reusing it for another (host, workload_id) is refused.
   */
  'request_id'?: (string);
  /**
   * 0 = no expiry; otherwise the lease expires unless renewed.
   */
  'ttl_seconds'?: (number);
}

export interface AllocateRequest__Output {
  /**
   * Host the workload runs on (letters, digits, '.', '-', '_'; at most 253).
   */
  'host': (string);
  /**
   * Runtime's id for the workload, e.g. a container id (printable ASCII, no
   * spaces; at most 256).
   */
  'workload_id': (string);
  /**
   * Optional client-chosen id that makes retries safe (at most 128 printable
   * ASCII characters). Reusing it for another (host, workload_id) is refused.
   */
  'request_id': (string);
  /**
   * 0 = no expiry; otherwise the lease expires unless renewed.
   */
  'ttl_seconds': (number);
}
