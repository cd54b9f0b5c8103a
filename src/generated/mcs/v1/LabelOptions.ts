// Original file: proto/mcs/v1/allocator.proto


/**
 * Runtime label options, as `--security-opt label=...` gives them.
 */
export interface LabelOptions {
  /**
   * SELinux user of both contexts.
   */
  'user'?: (string);
  /**
   * Role of the process context.
   */
  'role'?: (string);
  /**
   * Type of the process context; must be on the server's allowlist.
   */
  'type'?: (string);
  /**
   * A static level instead of a random pair, e.g. "s0:c100,c200", or its
   * name in the server's setrans.conf (e.g. "TopSecret").
   */
  'level'?: (string);
  /**
   * Type of the mount context.
   */
  'filetype'?: (string);
  /**
   * No MCS separation: the privileged process type at s0, no pair consumed.
   */
  'disable'?: (boolean);
  /**
   * Context profile by name (default: the server's --profile).
   */
  'profile'?: (string);
}

/**
 * Runtime label options, as `--security-opt label=...` gives them.
 */
export interface LabelOptions__Output {
  /**
   * SELinux user of both contexts.
   */
  'user': (string);
  /**
   * Role of the process context.
   */
  'role': (string);
  /**
   * Type of the process context; must be on the server's allowlist.
   */
  'type': (string);
  /**
   * A static level instead of a random pair, e.g. "s0:c100,c200", or its
   * name in the server's setrans.conf (e.g. "TopSecret").
   */
  'level': (string);
  /**
   * Type of the mount context.
   */
  'filetype': (string);
  /**
   * No MCS separation: the privileged process type at s0, no pair consumed.
   */
  'disable': (boolean);
  /**
   * Context profile by name (default: the server's --profile).
   */
  'profile': (string);
}
