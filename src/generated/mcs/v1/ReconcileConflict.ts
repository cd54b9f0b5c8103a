// Original file: proto/mcs/v1/allocator.proto


export interface ReconcileConflict {
  'workload_id'?: (string);
  'level'?: (string);
  /**
   * LEVEL_IN_USE, LEVEL_DOMINANCE_CONFLICT, LEVEL_RESERVED or OUTSIDE_POOL.
   */
  'reason'?: (string);
  'message'?: (string);
  /**
   * The lease holding the level or conflicting with it, when there is one.
   */
  'holder_lease_id'?: (string);
  'holder_host'?: (string);
  'holder_workload_id'?: (string);
}

export interface ReconcileConflict__Output {
  'workload_id': (string);
  'level': (string);
  /**
   * LEVEL_IN_USE, LEVEL_DOMINANCE_CONFLICT, LEVEL_RESERVED or OUTSIDE_POOL.
   */
  'reason': (string);
  'message': (string);
  /**
   * The lease holding the level or conflicting with it, when there is one.
   */
  'holder_lease_id': (string);
  'holder_host': (string);
  'holder_workload_id': (string);
}
