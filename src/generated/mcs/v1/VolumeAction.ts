// Original file: proto/mcs/v1/allocator.proto


// Original file: proto/mcs/v1/allocator.proto

export const _mcs_v1_VolumeAction_Action = {
  ACTION_UNSPECIFIED: 'ACTION_UNSPECIFIED',
  RELABEL_RECURSIVE: 'RELABEL_RECURSIVE',
  /**
   * Already labelled with the target.
   */
  SKIP: 'SKIP',
  /**
   * No relabel requested.
   */
  NONE: 'NONE',
} as const;

export type _mcs_v1_VolumeAction_Action =
  | 'ACTION_UNSPECIFIED'
  | 0
  | 'RELABEL_RECURSIVE'
  | 1
  /**
   * Already labelled with the target.
   */
  | 'SKIP'
  | 2
  /**
   * No relabel requested.
   */
  | 'NONE'
  | 3

export type _mcs_v1_VolumeAction_Action__Output = typeof _mcs_v1_VolumeAction_Action[keyof typeof _mcs_v1_VolumeAction_Action]

export interface VolumeAction {
  'host_path'?: (string);
  'action'?: (_mcs_v1_VolumeAction_Action);
  /**
   * The context the volume gets.
   */
  'target_label'?: (string);
  /**
   * argv of the equivalent relabel, e.g. ["chcon", "-R", "<label>", "<path>"].
   */
  'command'?: (string)[];
  /**
   * Mount option that labels the mount without a recursive walk:
   * context="<label>".
   */
  'mount_option'?: (string);
  'reason'?: (string);
}

export interface VolumeAction__Output {
  'host_path': (string);
  'action': (_mcs_v1_VolumeAction_Action__Output);
  /**
   * The context the volume gets.
   */
  'target_label': (string);
  /**
   * argv of the equivalent relabel, e.g. ["chcon", "-R", "<label>", "<path>"].
   */
  'command': (string)[];
  /**
   * Mount option that labels the mount without a recursive walk:
   * context="<label>".
   */
  'mount_option': (string);
  'reason': (string);
}
