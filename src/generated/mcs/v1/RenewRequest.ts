// Original file: proto/mcs/v1/allocator.proto


export interface RenewRequest {
  'lease_id'?: (string);
  /**
   * New expiry is now + ttl_seconds; must be at least 1.
   */
  'ttl_seconds'?: (number);
}

export interface RenewRequest__Output {
  'lease_id': (string);
  /**
   * New expiry is now + ttl_seconds; must be at least 1.
   */
  'ttl_seconds': (number);
}
