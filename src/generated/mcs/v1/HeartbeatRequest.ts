// Original file: proto/mcs/v1/allocator.proto


export interface HeartbeatRequest {
  'host'?: (string);
  /**
   * How long the host counts as alive from now; 0 = the server's --host-ttl.
   */
  'ttl_seconds'?: (number);
  /**
   * The pool_epoch of the host's last HeartbeatResponse, if it has one. A
   * host that knew another epoch than the pool's tells the service that the
   * pool was created again while workloads ran.
   */
  'pool_epoch'?: (string);
}

export interface HeartbeatRequest__Output {
  'host': (string);
  /**
   * How long the host counts as alive from now; 0 = the server's --host-ttl.
   */
  'ttl_seconds': (number);
  /**
   * The pool_epoch of the host's last HeartbeatResponse, if it has one. A
   * host that knew another epoch than the pool's tells the service that the
   * pool was created again while workloads ran.
   */
  'pool_epoch': (string);
}
