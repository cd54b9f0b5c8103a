// Original file: proto/mcs/v1/allocator.proto


export interface Volume {
  /**
   * Absolute path on the host; normalised before any check.
   */
  'host_path'?: (string);
  /**
   * "z" (shared by every container), "Z" (private to this lease) or "" (leave alone).
   */
  'mode'?: (string);
  'read_only'?: (boolean);
  /**
   * Names storage that several hosts see (the same files under this id);
   * claims then conflict across hosts instead of per host.
   */
  'storage_id'?: (string);
  /**
   * The label the host reads on the top-level directory now, if known; a
   * volume already labelled with its target is skipped.
   */
  'current_label'?: (string);
}

export interface Volume__Output {
  /**
   * Absolute path on the host; normalised before any check.
   */
  'host_path': (string);
  /**
   * "z" (shared by every container), "Z" (private to this lease) or "" (leave alone).
   */
  'mode': (string);
  'read_only': (boolean);
  /**
   * Names storage that several hosts see (the same files under this id);
   * claims then conflict across hosts instead of per host.
   */
  'storage_id': (string);
  /**
   * The label the host reads on the top-level directory now, if known; a
   * volume already labelled with its target is skipped.
   */
  'current_label': (string);
}
