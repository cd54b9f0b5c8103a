import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { AllocateRequest as _mcs_v1_AllocateRequest, AllocateRequest__Output as _mcs_v1_AllocateRequest__Output } from './mcs/v1/AllocateRequest';
import type { AllocateResponse as _mcs_v1_AllocateResponse, AllocateResponse__Output as _mcs_v1_AllocateResponse__Output } from './mcs/v1/AllocateResponse';
import type { GetLeaseRequest as _mcs_v1_GetLeaseRequest, GetLeaseRequest__Output as _mcs_v1_GetLeaseRequest__Output } from './mcs/v1/GetLeaseRequest';
import type { GetPoolStatsRequest as _mcs_v1_GetPoolStatsRequest, GetPoolStatsRequest__Output as _mcs_v1_GetPoolStatsRequest__Output } from './mcs/v1/GetPoolStatsRequest';
import type { HeartbeatRequest as _mcs_v1_HeartbeatRequest, HeartbeatRequest__Output as _mcs_v1_HeartbeatRequest__Output } from './mcs/v1/HeartbeatRequest';
import type { HeartbeatResponse as _mcs_v1_HeartbeatResponse, HeartbeatResponse__Output as _mcs_v1_HeartbeatResponse__Output } from './mcs/v1/HeartbeatResponse';
import type { LabelAllocatorClient as _mcs_v1_LabelAllocatorClient, LabelAllocatorDefinition as _mcs_v1_LabelAllocatorDefinition } from './mcs/v1/LabelAllocator';
import type { LabelOptions as _mcs_v1_LabelOptions, LabelOptions__Output as _mcs_v1_LabelOptions__Output } from './mcs/v1/LabelOptions';
import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from './mcs/v1/Lease';
import type { LeaseEvent as _mcs_v1_LeaseEvent, LeaseEvent__Output as _mcs_v1_LeaseEvent__Output } from './mcs/v1/LeaseEvent';
import type { ListLeasesRequest as _mcs_v1_ListLeasesRequest, ListLeasesRequest__Output as _mcs_v1_ListLeasesRequest__Output } from './mcs/v1/ListLeasesRequest';
import type { ListLeasesResponse as _mcs_v1_ListLeasesResponse, ListLeasesResponse__Output as _mcs_v1_ListLeasesResponse__Output } from './mcs/v1/ListLeasesResponse';
import type { PlanVolumesRequest as _mcs_v1_PlanVolumesRequest, PlanVolumesRequest__Output as _mcs_v1_PlanVolumesRequest__Output } from './mcs/v1/PlanVolumesRequest';
import type { PoolStats as _mcs_v1_PoolStats, PoolStats__Output as _mcs_v1_PoolStats__Output } from './mcs/v1/PoolStats';
import type { ReconcileConflict as _mcs_v1_ReconcileConflict, ReconcileConflict__Output as _mcs_v1_ReconcileConflict__Output } from './mcs/v1/ReconcileConflict';
import type { ReconcileRequest as _mcs_v1_ReconcileRequest, ReconcileRequest__Output as _mcs_v1_ReconcileRequest__Output } from './mcs/v1/ReconcileRequest';
import type { ReconcileResponse as _mcs_v1_ReconcileResponse, ReconcileResponse__Output as _mcs_v1_ReconcileResponse__Output } from './mcs/v1/ReconcileResponse';
import type { ReleaseRequest as _mcs_v1_ReleaseRequest, ReleaseRequest__Output as _mcs_v1_ReleaseRequest__Output } from './mcs/v1/ReleaseRequest';
import type { ReleaseResponse as _mcs_v1_ReleaseResponse, ReleaseResponse__Output as _mcs_v1_ReleaseResponse__Output } from './mcs/v1/ReleaseResponse';
import type { RenewRequest as _mcs_v1_RenewRequest, RenewRequest__Output as _mcs_v1_RenewRequest__Output } from './mcs/v1/RenewRequest';
import type { RenewResponse as _mcs_v1_RenewResponse, RenewResponse__Output as _mcs_v1_RenewResponse__Output } from './mcs/v1/RenewResponse';
import type { ReportedWorkload as _mcs_v1_ReportedWorkload, ReportedWorkload__Output as _mcs_v1_ReportedWorkload__Output } from './mcs/v1/ReportedWorkload';
import type { Volume as _mcs_v1_Volume, Volume__Output as _mcs_v1_Volume__Output } from './mcs/v1/Volume';
import type { VolumeAction as _mcs_v1_VolumeAction, VolumeAction__Output as _mcs_v1_VolumeAction__Output } from './mcs/v1/VolumeAction';
import type { VolumeClaim as _mcs_v1_VolumeClaim, VolumeClaim__Output as _mcs_v1_VolumeClaim__Output } from './mcs/v1/VolumeClaim';
import type { VolumePlan as _mcs_v1_VolumePlan, VolumePlan__Output as _mcs_v1_VolumePlan__Output } from './mcs/v1/VolumePlan';
import type { WatchLeasesRequest as _mcs_v1_WatchLeasesRequest, WatchLeasesRequest__Output as _mcs_v1_WatchLeasesRequest__Output } from './mcs/v1/WatchLeasesRequest';

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
      HeartbeatRequest: MessageTypeDefinition<_mcs_v1_HeartbeatRequest, _mcs_v1_HeartbeatRequest__Output>
      HeartbeatResponse: MessageTypeDefinition<_mcs_v1_HeartbeatResponse, _mcs_v1_HeartbeatResponse__Output>
      LabelAllocator: SubtypeConstructor<typeof grpc.Client, _mcs_v1_LabelAllocatorClient> & { service: _mcs_v1_LabelAllocatorDefinition }
      LabelOptions: MessageTypeDefinition<_mcs_v1_LabelOptions, _mcs_v1_LabelOptions__Output>
      Lease: MessageTypeDefinition<_mcs_v1_Lease, _mcs_v1_Lease__Output>
      LeaseEvent: MessageTypeDefinition<_mcs_v1_LeaseEvent, _mcs_v1_LeaseEvent__Output>
      ListLeasesRequest: MessageTypeDefinition<_mcs_v1_ListLeasesRequest, _mcs_v1_ListLeasesRequest__Output>
      ListLeasesResponse: MessageTypeDefinition<_mcs_v1_ListLeasesResponse, _mcs_v1_ListLeasesResponse__Output>
      PlanVolumesRequest: MessageTypeDefinition<_mcs_v1_PlanVolumesRequest, _mcs_v1_PlanVolumesRequest__Output>
      PoolStats: MessageTypeDefinition<_mcs_v1_PoolStats, _mcs_v1_PoolStats__Output>
      ReconcileConflict: MessageTypeDefinition<_mcs_v1_ReconcileConflict, _mcs_v1_ReconcileConflict__Output>
      ReconcileRequest: MessageTypeDefinition<_mcs_v1_ReconcileRequest, _mcs_v1_ReconcileRequest__Output>
      ReconcileResponse: MessageTypeDefinition<_mcs_v1_ReconcileResponse, _mcs_v1_ReconcileResponse__Output>
      ReleaseRequest: MessageTypeDefinition<_mcs_v1_ReleaseRequest, _mcs_v1_ReleaseRequest__Output>
      ReleaseResponse: MessageTypeDefinition<_mcs_v1_ReleaseResponse, _mcs_v1_ReleaseResponse__Output>
      RenewRequest: MessageTypeDefinition<_mcs_v1_RenewRequest, _mcs_v1_RenewRequest__Output>
      RenewResponse: MessageTypeDefinition<_mcs_v1_RenewResponse, _mcs_v1_RenewResponse__Output>
      ReportedWorkload: MessageTypeDefinition<_mcs_v1_ReportedWorkload, _mcs_v1_ReportedWorkload__Output>
      Volume: MessageTypeDefinition<_mcs_v1_Volume, _mcs_v1_Volume__Output>
      VolumeAction: MessageTypeDefinition<_mcs_v1_VolumeAction, _mcs_v1_VolumeAction__Output>
      VolumeClaim: MessageTypeDefinition<_mcs_v1_VolumeClaim, _mcs_v1_VolumeClaim__Output>
      VolumePlan: MessageTypeDefinition<_mcs_v1_VolumePlan, _mcs_v1_VolumePlan__Output>
      WatchLeasesRequest: MessageTypeDefinition<_mcs_v1_WatchLeasesRequest, _mcs_v1_WatchLeasesRequest__Output>
    }
  }
}

