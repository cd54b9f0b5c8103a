// Original file: proto/google/rpc/status.proto


/**
 * Why a call failed, in a form programs can branch on.
 */
export interface ErrorInfo {
  /**
   * UPPER_SNAKE_CASE, e.g. "POOL_EXHAUSTED".
   */
  'reason'?: (string);
  /**
   * "mcs-allocator".
   */
  'domain'?: (string);
  'metadata'?: ({[key: string]: string});
}

/**
 * Why a call failed, in a form programs can branch on.
 */
export interface ErrorInfo__Output {
  /**
   * UPPER_SNAKE_CASE, e.g. "POOL_EXHAUSTED".
   */
  'reason': (string);
  /**
   * "mcs-allocator".
   */
  'domain': (string);
  'metadata': ({[key: string]: string});
}
