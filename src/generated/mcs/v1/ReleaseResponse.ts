// Original file: proto/mcs/v1/allocator.proto


export interface ReleaseResponse {
  /**
   * False when there was no such active lease or member (already released
   * or expired).
   */
  'released'?: (boolean);
  /**
   * Members still holding the lease after this release (0 = the pair is free).
   */
  'remaining_members'?: (number);
}

export interface ReleaseResponse__Output {
  /**
   * False when there was no such active lease or member (already released
   * or expired).
   */
  'released': (boolean);
  /**
   * Members still holding the lease after this release (0 = the pair is free).
   */
  'remaining_members': (number);
}
