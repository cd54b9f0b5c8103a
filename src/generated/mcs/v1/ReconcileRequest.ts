// Original file: proto/mcs/v1/allocator.proto

import type { ReportedWorkload as _mcs_v1_ReportedWorkload, ReportedWorkload__Output as _mcs_v1_ReportedWorkload__Output } from '../../mcs/v1/ReportedWorkload';

export interface ReconcileRequest {
  'host'?: (string);
  /**
   * Every workload running on the host.
   */
  'workloads'?: (_mcs_v1_ReportedWorkload)[];
}

export interface ReconcileRequest__Output {
  'host': (string);
  /**
   * Every workload running on the host.
   */
  'workloads': (_mcs_v1_ReportedWorkload__Output)[];
}
