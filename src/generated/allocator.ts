import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { AllocateRequest as _mcs_v1_AllocateRequest, AllocateRequest__Output as _mcs_v1_AllocateRequest__Output } from './mcs/v1/AllocateRequest';
import type { AllocateResponse as _mcs_v1_AllocateResponse, AllocateResponse__Output as _mcs_v1_AllocateResponse__Output } from './mcs/v1/AllocateResponse';
import type { GetLeaseRequest as _mcs_v1_GetLeaseRequest, GetLeaseRequest__Output as _mcs_v1_GetLeaseRequest__Output } from './mcs/v1/GetLeaseRequest';
import type { GetPoolStatsRequest as _mcs_v1_GetPoolStatsRequest, GetPoolStatsRequest__Output as _mcs_v1_GetPoolStatsRequest__Output } from './mcs/v1/GetPoolStatsRequest';
import type { LabelAllocatorClient as _mcs_v1_LabelAllocatorClient, LabelAllocatorDefinition as _mcs_v1_LabelAllocatorDefinition } from './mcs/v1/LabelAllocator';
import type { LabelOptions as _mcs_v1_LabelOptions, LabelOptions__Output as _mcs_v1_LabelOptions__Output } from './mcs/v1/LabelOptions';
import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from './mcs/v1/Lease';
import type { ListLeasesRequest as _mcs_v1_ListLeasesRequest, ListLeasesRequest__Output as _mcs_v1_ListLeasesRequest__Output } from './mcs/v1/ListLeasesRequest';
import type { ListLeasesResponse as _mcs_v1_ListLeasesResponse, ListLeasesResponse__Output as _mcs_v1_ListLeasesResponse__Output } from './mcs/v1/ListLeasesResponse';
import type { PlanVolumesRequest as _mcs_v1_PlanVolumesRequest, PlanVolumesRequest__Output as _mcs_v1_PlanVolumesRequest__Output } from './mcs/v1/PlanVolumesRequest';
import type { PoolStats as _mcs_v1_PoolStats, PoolStats__Output as _mcs_v1_PoolStats__Output } from './mcs/v1/PoolStats';
import type { ReleaseRequest as _mcs_v1_ReleaseRequest, ReleaseRequest__Output as _mcs_v1_ReleaseRequest__Output } from './mcs/v1/ReleaseRequest';
import type { ReleaseResponse as _mcs_v1_ReleaseResponse, ReleaseResponse__Output as _mcs_v1_ReleaseResponse__Output } from './mcs/v1/ReleaseResponse';
import type { RenewRequest as _mcs_v1_RenewRequest, RenewRequest__Output as _mcs_v1_RenewRequest__Output } from './mcs/v1/RenewRequest';
import type { RenewResponse as _mcs_v1_RenewResponse, RenewResponse__Output as _mcs_v1_RenewResponse__Output } from './mcs/v1/RenewResponse';
import type { Volume as _mcs_v1_Volume, Volume__Output as _mcs_v1_Volume__Output } from './mcs/v1/Volume';
import type { VolumeAction as _mcs_v1_VolumeAction, VolumeAction__Output as _mcs_v1_VolumeAction__Output } from './mcs/v1/VolumeAction';
import type { VolumeClaim as _mcs_v1_VolumeClaim, VolumeClaim__Output as _mcs_v1_VolumeClaim__Output } from './mcs/v1/VolumeClaim';
import type { VolumePlan as _mcs_v1_VolumePlan, VolumePlan__Output as _mcs_v1_VolumePlan__Output } from './mcs/v1/VolumePlan';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  mcs: {
    v1: {
      AllocateRequest: MessageTypeDefinition<_mcs_v1_AllocateRequest, _mcs_v1_AllocateRequest__Output>
      AllocateResponse: MessageTypeDefinition<_mcs_v1_AllocateResponse, _mcs_v1_AllocateResponse__Output>
      GetLeaseRequest: MessageTypeDefinition<_mcs_v1_GetLeaseRequest, _mcs_v1_GetLeaseRequest__Output>
      GetPoolStatsRequest: MessageTypeDefinition<_mcs_v1_GetPoolStatsRequest, _mcs_v1_GetPoolStatsRequest__Output>
      LabelAllocator: SubtypeConstructor<typeof grpc.Client, _mcs_v1_LabelAllocatorClient> & { service: _mcs_v1_LabelAllocatorDefinition }
      LabelOptions: MessageTypeDefinition<_mcs_v1_LabelOptions, _mcs_v1_LabelOptions__Output>
      Lease: MessageTypeDefinition<_mcs_v1_Lease, _mcs_v1_Lease__Output>
      ListLeasesRequest: MessageTypeDefinition<_mcs_v1_ListLeasesRequest, _mcs_v1_ListLeasesRequest__Output>
      ListLeasesResponse: MessageTypeDefinition<_mcs_v1_ListLeasesResponse, _mcs_v1_ListLeasesResponse__Output>
      PlanVolumesRequest: MessageTypeDefinition<_mcs_v1_PlanVolumesRequest, _mcs_v1_PlanVolumesRequest__Output>
      PoolStats: MessageTypeDefinition<_mcs_v1_PoolStats, _mcs_v1_PoolStats__Output>
      ReleaseRequest: MessageTypeDefinition<_mcs_v1_ReleaseRequest, _mcs_v1_ReleaseRequest__Output>
      ReleaseResponse: MessageTypeDefinition<_mcs_v1_ReleaseResponse, _mcs_v1_ReleaseResponse__Output>
      RenewRequest: MessageTypeDefinition<_mcs_v1_RenewRequest, _mcs_v1_RenewRequest__Output>
      RenewResponse: MessageTypeDefinition<_mcs_v1_RenewResponse, _mcs_v1_RenewResponse__Output>
      Volume: MessageTypeDefinition<_mcs_v1_Volume, _mcs_v1_Volume__Output>
      VolumeAction: MessageTypeDefinition<_mcs_v1_VolumeAction, _mcs_v1_VolumeAction__Output>
      VolumeClaim: MessageTypeDefinition<_mcs_v1_VolumeClaim, _mcs_v1_VolumeClaim__Output>
      VolumePlan: MessageTypeDefinition<_mcs_v1_VolumePlan, _mcs_v1_VolumePlan__Output>
    }
  }
}

