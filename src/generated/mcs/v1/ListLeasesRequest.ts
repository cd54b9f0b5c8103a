// Original file: proto/mcs/v1/allocator.proto


export interface ListLeasesRequest {
  /**
   * Only leases of this host when set.
   */
  'host'?: (string);
  /**
   * Default 100, at most 1000 (larger values are lowered to 1000).
   */
  'page_size'?: (number);
  /**
   * From a previous response; the other fields must be unchanged.
   */
  'page_token'?: (string);
  /**
   * List the pairs held for stable keys (Lease.held_until set) instead of
   * the live leases.
   */
  'held'?: (boolean);
}

export interface ListLeasesRequest__Output {
  /**
   * Only leases of this host when set.
   */
  'host': (string);
  /**
   * Default 100, at most 1000 (larger values are lowered to 1000).
   */
  'page_size': (number);
  /**
   * From a previous response; the other fields must be unchanged.
   */
  'page_token': (string);
  /**
   * List the pairs held for stable keys (Lease.held_until set) instead of
   * the live leases.
   */
  'held': (boolean);
}
