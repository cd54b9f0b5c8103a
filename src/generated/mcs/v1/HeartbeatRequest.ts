// Original file: proto/mcs/v1/allocator.proto


export interface HeartbeatRequest {
  'host'?: (string);
  /**
   * How long the host counts as alive from now; 0 = the server's --host-ttl.
   */
  'ttl_seconds'?: (number);
}

export interface HeartbeatRequest__Output {
  'host': (string);
  /**
   * How long the host counts as alive from now; 0 = the server's --host-ttl.
   */
  'ttl_seconds': (number);
}
