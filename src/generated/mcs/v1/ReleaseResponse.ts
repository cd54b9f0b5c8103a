// Original file: proto/mcs/v1/allocator.proto


export interface ReleaseResponse {
  /**
   * False when there was no such active lease (already released or expired).
   */
  'released'?: (boolean);
}

export interface ReleaseResponse__Output {
  /**
   * False when there was no such active lease (already released or expired).
   */
  'released': (boolean);
}
