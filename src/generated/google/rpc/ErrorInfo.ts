// Original file: proto/google/rpc/error_details.proto


/**
 * Why a call failed, in a form programs can branch on.
 */
export interface ErrorInfo {
  /**
   * UPPER_SNAKE_CASE, e.g. "POOL_EXHAUSTED" (the reasons are listed in the
   * README, "Errors").
   */
  'reason'?: (string);
  /**
   * Who defines the reason: "mcs-allocator".
   */
  'domain'?: (string);
  /**
   * More about this occurrence, e.g. "field" for INVALID_ARGUMENT.
   */
  'metadata'?: ({[key: string]: string});
}

/**
 * Why a call failed, in a form programs can branch on.
 */
export interface ErrorInfo__Output {
  /**
   * UPPER_SNAKE_CASE, e.g. "POOL_EXHAUSTED" (the reasons are listed in the
   * README, "Errors").
   */
  'reason': (string);
  /**
   * Who defines the reason: "mcs-allocator".
   */
  'domain': (string);
  /**
   * More about this occurrence, e.g. "field" for INVALID_ARGUMENT.
   */
  'metadata': ({[key: string]: string});
}
