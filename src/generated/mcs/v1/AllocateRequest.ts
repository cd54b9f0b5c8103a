// Original file: proto/mcs/v1/allocator.proto

import type { LabelOptions as _mcs_v1_LabelOptions, LabelOptions__Output as _mcs_v1_LabelOptions__Output } from '../../mcs/v1/LabelOptions';
import type { Volume as _mcs_v1_Volume, Volume__Output as _mcs_v1_Volume__Output } from '../../mcs/v1/Volume';

export interface AllocateRequest {
  /**
   * Host the workload runs on (letters, digits, '.', '-', '_'; at most 253).
   */
  'host'?: (string);
  /**
   * Runtime's id for the workload, e.g. a container id (printable ASCII, no
   * spaces; at most 256).
   */
  'workload_id'?: (string);
  /**
   * Optional client-chosen id that makes retries safe (at most 128 printable
   * ASCII characters). Reusing it for another (host, workload_id) is refused.
   */
  'request_id'?: (string);
  /**
   * 0 = no expiry; otherwise the lease expires unless renewed.
   */
  'ttl_seconds'?: (number);
  'options'?: (_mcs_v1_LabelOptions | null);
  /**
   * Join this lease (a pod's shared label) instead of getting a new one.
   * The lease must be live and on the same host; only options.level may be
   * given with it, and must equal the lease's level.
   */
  'share_with'?: (string);
  /**
   * Volumes to plan relabels for; their claims are recorded with the lease.
   */
  'volumes'?: (_mcs_v1_Volume)[];
  /**
   * A workload that comes back (a recreated container, a StatefulSet pod)
   * gets its label back: while a lease with this key is live it is an
   * ordinary lease; once it ends, its pair is held for the key for
   * stable_retention_seconds (at most the server's --stable-retention), and
   * an Allocate with the same key gets the same level back (created = true).
   * Per host, unless the key is cluster-wide (the server's
   * --cluster-stable-keys and the identity's policy). Printable ASCII
   * without spaces, at most 256.
   */
  'stable_key'?: (string);
  /**
   * 0 = the server's --stable-retention; more is lowered to it.
   */
  'stable_retention_seconds'?: (number);
}

export interface AllocateRequest__Output {
  /**
   * Host the workload runs on (letters, digits, '.', '-', '_'; at most 253).
   */
  'host': (string);
  /**
   * Runtime's id for the workload, e.g. a container id (printable ASCII, no
   * spaces; at most 256).
   */
  'workload_id': (string);
  /**
   * Optional client-chosen id that makes retries safe (at most 128 printable
   * ASCII characters). Reusing it for another (host, workload_id) is refused.
   */
  'request_id': (string);
  /**
   * 0 = no expiry; otherwise the lease expires unless renewed.
   */
  'ttl_seconds': (number);
  'options': (_mcs_v1_LabelOptions__Output | null);
  /**
   * Join this lease (a pod's shared label) instead of getting a new one.
   * The lease must be live and on the same host; only options.level may be
   * given with it, and must equal the lease's level.
   */
  'share_with': (string);
  /**
   * Volumes to plan relabels for; their claims are recorded with the lease.
   */
  'volumes': (_mcs_v1_Volume__Output)[];
  /**
   * A workload that comes back (a recreated container, a StatefulSet pod)
   * gets its label back: while a lease with this key is live it is an
   * ordinary lease; once it ends, its pair is held for the key for
   * stable_retention_seconds (at most the server's --stable-retention), and
   * an Allocate with the same key gets the same level back (created = true).
   * Per host, unless the key is cluster-wide (the server's
   * --cluster-stable-keys and the identity's policy). Printable ASCII
   * without spaces, at most 256.
   */
  'stable_key': (string);
  /**
   * 0 = the server's --stable-retention; more is lowered to it.
   */
  'stable_retention_seconds': (number);
}
