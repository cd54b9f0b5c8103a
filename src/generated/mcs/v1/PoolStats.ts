// Original file: proto/mcs/v1/allocator.proto

import type { Long } from '@grpc/proto-loader';

export interface PoolStats {
  'pool'?: (string);
  /**
   * e.g. "c0.c1023".
   */
  'category_range'?: (string);
  /**
   * Pairs in the category range: n(n-1)/2.
   */
  'total'?: (number | string | Long);
  /**
   * Pairs held by active leases.
   */
  'leased'?: (number | string | Long);
  /**
   * Pairs available for allocation.
   */
  'free'?: (number | string | Long);
  /**
   * Pairs never handed out (configured with --reserved).
   */
  'reserved'?: (number | string | Long);
}

export interface PoolStats__Output {
  'pool': (string);
  /**
   * e.g. "c0.c1023".
   */
  'category_range': (string);
  /**
   * Pairs in the category range: n(n-1)/2.
   */
  'total': (string);
  /**
   * Pairs held by active leases.
   */
  'leased': (string);
  /**
   * Pairs available for allocation.
   */
  'free': (string);
  /**
   * Pairs never handed out (configured with --reserved).
   */
  'reserved': (string);
}
