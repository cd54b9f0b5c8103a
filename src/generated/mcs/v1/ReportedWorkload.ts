// Original file: proto/mcs/v1/allocator.proto


export interface ReportedWorkload {
  'workload_id'?: (string);
  /**
   * The level the workload runs with, e.g. "s0:c12,c907" ("s0" for a
   * disabled, privileged workload), or its name in setrans.conf.
   */
  'level'?: (string);
}

export interface ReportedWorkload__Output {
  'workload_id': (string);
  /**
   * The level the workload runs with, e.g. "s0:c12,c907" ("s0" for a
   * disabled, privileged workload), or its name in setrans.conf.
   */
  'level': (string);
}
