// Original file: proto/mcs/v1/allocator.proto


export interface VolumeClaim {
  'host_path'?: (string);
  'mode'?: (string);
  'storage_id'?: (string);
}

export interface VolumeClaim__Output {
  'host_path': (string);
  'mode': (string);
  'storage_id': (string);
}
