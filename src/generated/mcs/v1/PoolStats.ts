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
   * Pairs held by active leases (random or static pairs).
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
  /**
   * Pairs kept out of allocation because a static level dominates them or
   * is dominated by them.
   */
  'blocked'?: (number | string | Long);
  /**
   * Sensitivity of the pool's levels, e.g. "s0".
   */
  'sensitivity'?: (string);
  /**
   * Pairs held for stable keys: their leases ended, the pairs wait for the
   * workloads to come back (not free, not leased).
   */
  'held'?: (number | string | Long);
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
   * Pairs held by active leases (random or static pairs).
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
  /**
   * Pairs kept out of allocation because a static level dominates them or
   * is dominated by them.
   */
  'blocked': (string);
  /**
   * Sensitivity of the pool's levels, e.g. "s0".
   */
  'sensitivity': (string);
  /**
   * Pairs held for stable keys: their leases ended, the pairs wait for the
   * workloads to come back (not free, not leased).
   */
  'held': (string);
}
