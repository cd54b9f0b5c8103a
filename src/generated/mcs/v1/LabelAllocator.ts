// Original file: proto/mcs/v1/allocator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AllocateRequest as _mcs_v1_AllocateRequest, AllocateRequest__Output as _mcs_v1_AllocateRequest__Output } from '../../mcs/v1/AllocateRequest';
import type { AllocateResponse as _mcs_v1_AllocateResponse, AllocateResponse__Output as _mcs_v1_AllocateResponse__Output } from '../../mcs/v1/AllocateResponse';
import type { GetLeaseRequest as _mcs_v1_GetLeaseRequest, GetLeaseRequest__Output as _mcs_v1_GetLeaseRequest__Output } from '../../mcs/v1/GetLeaseRequest';
import type { GetPoolStatsRequest as _mcs_v1_GetPoolStatsRequest, GetPoolStatsRequest__Output as _mcs_v1_GetPoolStatsRequest__Output } from '../../mcs/v1/GetPoolStatsRequest';
import type { HeartbeatRequest as _mcs_v1_HeartbeatRequest, HeartbeatRequest__Output as _mcs_v1_HeartbeatRequest__Output } from '../../mcs/v1/HeartbeatRequest';
import type { HeartbeatResponse as _mcs_v1_HeartbeatResponse, HeartbeatResponse__Output as _mcs_v1_HeartbeatResponse__Output } from '../../mcs/v1/HeartbeatResponse';
import type { Lease as _mcs_v1_Lease, Lease__Output as _mcs_v1_Lease__Output } from '../../mcs/v1/Lease';
import type { LeaseEvent as _mcs_v1_LeaseEvent, LeaseEvent__Output as _mcs_v1_LeaseEvent__Output } from '../../mcs/v1/LeaseEvent';
import type { ListLeasesRequest as _mcs_v1_ListLeasesRequest, ListLeasesRequest__Output as _mcs_v1_ListLeasesRequest__Output } from '../../mcs/v1/ListLeasesRequest';
import type { ListLeasesResponse as _mcs_v1_ListLeasesResponse, ListLeasesResponse__Output as _mcs_v1_ListLeasesResponse__Output } from '../../mcs/v1/ListLeasesResponse';
import type { PlanVolumesRequest as _mcs_v1_PlanVolumesRequest, PlanVolumesRequest__Output as _mcs_v1_PlanVolumesRequest__Output } from '../../mcs/v1/PlanVolumesRequest';
import type { PoolStats as _mcs_v1_PoolStats, PoolStats__Output as _mcs_v1_PoolStats__Output } from '../../mcs/v1/PoolStats';
import type { ReconcileRequest as _mcs_v1_ReconcileRequest, ReconcileRequest__Output as _mcs_v1_ReconcileRequest__Output } from '../../mcs/v1/ReconcileRequest';
import type { ReconcileResponse as _mcs_v1_ReconcileResponse, ReconcileResponse__Output as _mcs_v1_ReconcileResponse__Output } from '../../mcs/v1/ReconcileResponse';
import type { ReleaseRequest as _mcs_v1_ReleaseRequest, ReleaseRequest__Output as _mcs_v1_ReleaseRequest__Output } from '../../mcs/v1/ReleaseRequest';
import type { ReleaseResponse as _mcs_v1_ReleaseResponse, ReleaseResponse__Output as _mcs_v1_ReleaseResponse__Output } from '../../mcs/v1/ReleaseResponse';
import type { RenewRequest as _mcs_v1_RenewRequest, RenewRequest__Output as _mcs_v1_RenewRequest__Output } from '../../mcs/v1/RenewRequest';
import type { RenewResponse as _mcs_v1_RenewResponse, RenewResponse__Output as _mcs_v1_RenewResponse__Output } from '../../mcs/v1/RenewResponse';
import type { VolumePlan as _mcs_v1_VolumePlan, VolumePlan__Output as _mcs_v1_VolumePlan__Output } from '../../mcs/v1/VolumePlan';
import type { WatchLeasesRequest as _mcs_v1_WatchLeasesRequest, WatchLeasesRequest__Output as _mcs_v1_WatchLeasesRequest__Output } from '../../mcs/v1/WatchLeasesRequest';

export interface LabelAllocatorClient extends grpc.Client {
  /**
   * Leases a unique random MCS pair for (host, workload_id). Idempotent: a
   * repeat for the same (host, workload_id) or the same request_id returns the
   * existing lease instead of a second pair.
   */
  Allocate(argument: _mcs_v1_AllocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  Allocate(argument: _mcs_v1_AllocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  Allocate(argument: _mcs_v1_AllocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  Allocate(argument: _mcs_v1_AllocateRequest, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Leases a unique random MCS pair for (host, workload_id). Idempotent: a
   * repeat for the same (host, workload_id) or the same request_id returns the
   * existing lease instead of a second pair.
   */
  allocate(argument: _mcs_v1_AllocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  allocate(argument: _mcs_v1_AllocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  allocate(argument: _mcs_v1_AllocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  allocate(argument: _mcs_v1_AllocateRequest, callback: grpc.requestCallback<_mcs_v1_AllocateResponse__Output>): grpc.ClientUnaryCall;
  
  GetLease(argument: _mcs_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _mcs_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _mcs_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _mcs_v1_GetLeaseRequest, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  getLease(argument: _mcs_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  getLease(argument: _mcs_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  getLease(argument: _mcs_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  getLease(argument: _mcs_v1_GetLeaseRequest, callback: grpc.requestCallback<_mcs_v1_Lease__Output>): grpc.ClientUnaryCall;
  
  GetPoolStats(argument: _mcs_v1_GetPoolStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  GetPoolStats(argument: _mcs_v1_GetPoolStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  GetPoolStats(argument: _mcs_v1_GetPoolStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  GetPoolStats(argument: _mcs_v1_GetPoolStatsRequest, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  getPoolStats(argument: _mcs_v1_GetPoolStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  getPoolStats(argument: _mcs_v1_GetPoolStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  getPoolStats(argument: _mcs_v1_GetPoolStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  getPoolStats(argument: _mcs_v1_GetPoolStatsRequest, callback: grpc.requestCallback<_mcs_v1_PoolStats__Output>): grpc.ClientUnaryCall;
  
  /**
   * Keeps every lease of a host alive in one call (with --host-ttl).
   */
  Heartbeat(argument: _mcs_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _mcs_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _mcs_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _mcs_v1_HeartbeatRequest, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Keeps every lease of a host alive in one call (with --host-ttl).
   */
  heartbeat(argument: _mcs_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _mcs_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _mcs_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _mcs_v1_HeartbeatRequest, callback: grpc.requestCallback<_mcs_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Active leases, oldest grant first (AIP-158 pagination).
   */
  ListLeases(argument: _mcs_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _mcs_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _mcs_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _mcs_v1_ListLeasesRequest, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Active leases, oldest grant first (AIP-158 pagination).
   */
  listLeases(argument: _mcs_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _mcs_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _mcs_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _mcs_v1_ListLeasesRequest, callback: grpc.requestCallback<_mcs_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Plans the relabelling of volumes added to a live lease, and records
   * their claims with it.
   */
  PlanVolumes(argument: _mcs_v1_PlanVolumesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  PlanVolumes(argument: _mcs_v1_PlanVolumesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  PlanVolumes(argument: _mcs_v1_PlanVolumesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  PlanVolumes(argument: _mcs_v1_PlanVolumesRequest, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  /**
   * Plans the relabelling of volumes added to a live lease, and records
   * their claims with it.
   */
  planVolumes(argument: _mcs_v1_PlanVolumesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  planVolumes(argument: _mcs_v1_PlanVolumesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  planVolumes(argument: _mcs_v1_PlanVolumesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  planVolumes(argument: _mcs_v1_PlanVolumesRequest, callback: grpc.requestCallback<_mcs_v1_VolumePlan__Output>): grpc.ClientUnaryCall;
  
  /**
   * After a runtime or host restart: brings the host's leases in line with
   * the workloads it reports running.
   */
  Reconcile(argument: _mcs_v1_ReconcileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  Reconcile(argument: _mcs_v1_ReconcileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  Reconcile(argument: _mcs_v1_ReconcileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  Reconcile(argument: _mcs_v1_ReconcileRequest, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  /**
   * After a runtime or host restart: brings the host's leases in line with
   * the workloads it reports running.
   */
  reconcile(argument: _mcs_v1_ReconcileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcile(argument: _mcs_v1_ReconcileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcile(argument: _mcs_v1_ReconcileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcile(argument: _mcs_v1_ReconcileRequest, callback: grpc.requestCallback<_mcs_v1_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Returns a lease's pair to the pool. Releasing an unknown or already
   * released lease succeeds with released = false.
   */
  Release(argument: _mcs_v1_ReleaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  Release(argument: _mcs_v1_ReleaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  Release(argument: _mcs_v1_ReleaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  Release(argument: _mcs_v1_ReleaseRequest, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Returns a lease's pair to the pool. Releasing an unknown or already
   * released lease succeeds with released = false.
   */
  release(argument: _mcs_v1_ReleaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  release(argument: _mcs_v1_ReleaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  release(argument: _mcs_v1_ReleaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  release(argument: _mcs_v1_ReleaseRequest, callback: grpc.requestCallback<_mcs_v1_ReleaseResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Moves a lease's expiry to now + ttl_seconds.
   */
  Renew(argument: _mcs_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _mcs_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _mcs_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _mcs_v1_RenewRequest, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Moves a lease's expiry to now + ttl_seconds.
   */
  renew(argument: _mcs_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _mcs_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _mcs_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _mcs_v1_RenewRequest, callback: grpc.requestCallback<_mcs_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lease changes as they happen, resumable from an event id.
   */
  WatchLeases(argument: _mcs_v1_WatchLeasesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcs_v1_LeaseEvent__Output>;
  WatchLeases(argument: _mcs_v1_WatchLeasesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcs_v1_LeaseEvent__Output>;
  /**
   * Lease changes as they happen, resumable from an event id.
   */
  watchLeases(argument: _mcs_v1_WatchLeasesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcs_v1_LeaseEvent__Output>;
  watchLeases(argument: _mcs_v1_WatchLeasesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcs_v1_LeaseEvent__Output>;
  
}

export interface LabelAllocatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Leases a unique random MCS pair for (host, workload_id). Idempotent: a
   * repeat for the same (host, workload_id) or the same request_id returns the
   * existing lease instead of a second pair.
   */
  Allocate: grpc.handleUnaryCall<_mcs_v1_AllocateRequest__Output, _mcs_v1_AllocateResponse>;
  
  GetLease: grpc.handleUnaryCall<_mcs_v1_GetLeaseRequest__Output, _mcs_v1_Lease>;
  
  GetPoolStats: grpc.handleUnaryCall<_mcs_v1_GetPoolStatsRequest__Output, _mcs_v1_PoolStats>;
  
  /**
   * Keeps every lease of a host alive in one call (with --host-ttl).
   */
  Heartbeat: grpc.handleUnaryCall<_mcs_v1_HeartbeatRequest__Output, _mcs_v1_HeartbeatResponse>;
  
  /**
   * Active leases, oldest grant first (AIP-158 pagination).
   */
  ListLeases: grpc.handleUnaryCall<_mcs_v1_ListLeasesRequest__Output, _mcs_v1_ListLeasesResponse>;
  
  /**
   * Plans the relabelling of volumes added to a live lease, and records
   * their claims with it.
   */
  PlanVolumes: grpc.handleUnaryCall<_mcs_v1_PlanVolumesRequest__Output, _mcs_v1_VolumePlan>;
  
  /**
   * After a runtime or host restart: brings the host's leases in line with
   * the workloads it reports running.
   */
  Reconcile: grpc.handleUnaryCall<_mcs_v1_ReconcileRequest__Output, _mcs_v1_ReconcileResponse>;
  
  /**
   * Returns a lease's pair to the pool. Releasing an unknown or already
   * released lease succeeds with released = false.
   */
  Release: grpc.handleUnaryCall<_mcs_v1_ReleaseRequest__Output, _mcs_v1_ReleaseResponse>;
  
  /**
   * Moves a lease's expiry to now + ttl_seconds.
   */
  Renew: grpc.handleUnaryCall<_mcs_v1_RenewRequest__Output, _mcs_v1_RenewResponse>;
  
  /**
   * Lease changes as they happen, resumable from an event id.
   */
  WatchLeases: grpc.handleServerStreamingCall<_mcs_v1_WatchLeasesRequest__Output, _mcs_v1_LeaseEvent>;
  
}

export interface LabelAllocatorDefinition extends grpc.ServiceDefinition {
  Allocate: MethodDefinition<_mcs_v1_AllocateRequest, _mcs_v1_AllocateResponse, _mcs_v1_AllocateRequest__Output, _mcs_v1_AllocateResponse__Output>
  GetLease: MethodDefinition<_mcs_v1_GetLeaseRequest, _mcs_v1_Lease, _mcs_v1_GetLeaseRequest__Output, _mcs_v1_Lease__Output>
  GetPoolStats: MethodDefinition<_mcs_v1_GetPoolStatsRequest, _mcs_v1_PoolStats, _mcs_v1_GetPoolStatsRequest__Output, _mcs_v1_PoolStats__Output>
  Heartbeat: MethodDefinition<_mcs_v1_HeartbeatRequest, _mcs_v1_HeartbeatResponse, _mcs_v1_HeartbeatRequest__Output, _mcs_v1_HeartbeatResponse__Output>
  ListLeases: MethodDefinition<_mcs_v1_ListLeasesRequest, _mcs_v1_ListLeasesResponse, _mcs_v1_ListLeasesRequest__Output, _mcs_v1_ListLeasesResponse__Output>
  PlanVolumes: MethodDefinition<_mcs_v1_PlanVolumesRequest, _mcs_v1_VolumePlan, _mcs_v1_PlanVolumesRequest__Output, _mcs_v1_VolumePlan__Output>
  Reconcile: MethodDefinition<_mcs_v1_ReconcileRequest, _mcs_v1_ReconcileResponse, _mcs_v1_ReconcileRequest__Output, _mcs_v1_ReconcileResponse__Output>
  Release: MethodDefinition<_mcs_v1_ReleaseRequest, _mcs_v1_ReleaseResponse, _mcs_v1_ReleaseRequest__Output, _mcs_v1_ReleaseResponse__Output>
  Renew: MethodDefinition<_mcs_v1_RenewRequest, _mcs_v1_RenewResponse, _mcs_v1_RenewRequest__Output, _mcs_v1_RenewResponse__Output>
  WatchLeases: MethodDefinition<_mcs_v1_WatchLeasesRequest, _mcs_v1_LeaseEvent, _mcs_v1_WatchLeasesRequest__Output, _mcs_v1_LeaseEvent__Output>
}
