// Original file: proto/mcs/v1/allocator.proto


export interface WatchLeasesRequest {
  /**
   * Only events of this host when set.
   */
  'host'?: (string);
  /**
   * Resume after this event id (from a previous LeaseEvent); empty = only
   * events from now on.
   */
  'after_event_id'?: (string);
}

export interface WatchLeasesRequest__Output {
  /**
   * Only events of this host when set.
   */
  'host': (string);
  /**
   * Resume after this event id (from a previous LeaseEvent); empty = only
   * events from now on.
   */
  'after_event_id': (string);
}
