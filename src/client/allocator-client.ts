/**
 * The one typed, promise-returning client of mcs.v1.LabelAllocator: mcsctl,
 * the host agent, the tests and the benchmark all call the service through
 * it. Methods carry the RPC names and the generated message types; each
 * unary call has a deadline (the client's default, or the call's own), and
 * a failure rejects with the grpc-js error, or with what `mapError` makes
 * of it (mcsctl classifies it into its exit codes).
 */
import * as grpc from '@grpc/grpc-js';
import { loadAllocatorProto } from '../proto.js';
import type { LabelAllocatorClient } from '../generated/mcs/v1/LabelAllocator.js';
import type { AllocateRequest } from '../generated/mcs/v1/AllocateRequest.js';
import type { AllocateResponse__Output } from '../generated/mcs/v1/AllocateResponse.js';
import type { ReleaseRequest } from '../generated/mcs/v1/ReleaseRequest.js';
import type { ReleaseResponse__Output } from '../generated/mcs/v1/ReleaseResponse.js';
import type { RenewRequest } from '../generated/mcs/v1/RenewRequest.js';
import type { RenewResponse__Output } from '../generated/mcs/v1/RenewResponse.js';
import type { GetLeaseRequest } from '../generated/mcs/v1/GetLeaseRequest.js';
import type { Lease__Output } from '../generated/mcs/v1/Lease.js';
import type { ListLeasesRequest } from '../generated/mcs/v1/ListLeasesRequest.js';
import type { ListLeasesResponse__Output } from '../generated/mcs/v1/ListLeasesResponse.js';
import type { GetPoolStatsRequest } from '../generated/mcs/v1/GetPoolStatsRequest.js';
import type { PoolStats__Output } from '../generated/mcs/v1/PoolStats.js';
import type { PlanVolumesRequest } from '../generated/mcs/v1/PlanVolumesRequest.js';
import type { VolumePlan__Output } from '../generated/mcs/v1/VolumePlan.js';
import type { HeartbeatRequest } from '../generated/mcs/v1/HeartbeatRequest.js';
import type { HeartbeatResponse__Output } from '../generated/mcs/v1/HeartbeatResponse.js';
import type { ReconcileRequest } from '../generated/mcs/v1/ReconcileRequest.js';
import type { ReconcileResponse__Output } from '../generated/mcs/v1/ReconcileResponse.js';
import type { WatchLeasesRequest } from '../generated/mcs/v1/WatchLeasesRequest.js';
import type { LeaseEvent__Output } from '../generated/mcs/v1/LeaseEvent.js';

export interface UnaryOptions {
  /** This call's deadline (ms from now), instead of the client's. */
  readonly deadlineMs?: number;
}

export type Unary<Req, Res> = (req: Req, options?: UnaryOptions) => Promise<Res>;

/** The LabelAllocator RPCs, promise-returning, with the generated message types. */
export interface AllocatorRpcs {
  // The service always sets these message fields; the generated types allow null.
  Allocate: Unary<AllocateRequest, AllocateResponse__Output & { lease: Lease__Output; volume_plan: VolumePlan__Output }>;
  Release: Unary<ReleaseRequest, ReleaseResponse__Output>;
  Renew: Unary<RenewRequest, RenewResponse__Output & { lease: Lease__Output }>;
  GetLease: Unary<GetLeaseRequest, Lease__Output>;
  ListLeases: Unary<ListLeasesRequest, ListLeasesResponse__Output>;
  GetPoolStats: Unary<GetPoolStatsRequest, PoolStats__Output>;
  PlanVolumes: Unary<PlanVolumesRequest, VolumePlan__Output>;
  Heartbeat: Unary<HeartbeatRequest, HeartbeatResponse__Output>;
  Reconcile: Unary<ReconcileRequest, ReconcileResponse__Output>;
}

export const UNARY_METHODS = [
  'Allocate',
  'Release',
  'Renew',
  'GetLease',
  'ListLeases',
  'GetPoolStats',
  'PlanVolumes',
  'Heartbeat',
  'Reconcile',
] as const satisfies readonly (keyof AllocatorRpcs)[];

export interface AllocatorClient extends AllocatorRpcs {
  /** The address it was opened on: host:port, [v6]:port or unix:/path. */
  readonly address: string;
  /** The generated grpc-js stub, for what the promise methods do not cover. */
  readonly raw: LabelAllocatorClient;
  /** The server-streaming WatchLeases call (no deadline: it runs until cancelled). */
  WatchLeases(req: WatchLeasesRequest): grpc.ClientReadableStream<LeaseEvent__Output>;
  close(): void;
}

export interface ConnectOptions {
  /** Default: plaintext. */
  readonly credentials?: grpc.ChannelCredentials;
  readonly channelOptions?: grpc.ChannelOptions;
  /** Deadline of a unary call that sets none (ms). Default 10 s. */
  readonly deadlineMs?: number;
  /** What a failed unary call rejects with; default the grpc-js ServiceError itself. */
  readonly mapError?: (err: grpc.ServiceError) => unknown;
}

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type RawUnary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;

/**
 * One unary method of a grpc-js stub as a promise-returning function with a
 * deadline (the benchmark's own service goes through it too, so that its
 * calls cost what the service's do).
 */
export function promiseUnary<Req, Res>(
  raw: grpc.Client,
  method: string,
  fallbackMs = 10_000,
  mapError: (err: grpc.ServiceError) => unknown = (err) => err,
): Unary<Req, Res> {
  const fn = (raw as unknown as Record<string, RawUnary>)[method];
  if (typeof fn !== 'function') throw new TypeError(`${method} is not a method of this client`);
  return (req, call = {}) =>
    new Promise<Res>((resolve, reject) => {
      const deadline = new Date(Date.now() + (call.deadlineMs ?? fallbackMs));
      fn.call(raw, req, new grpc.Metadata(), { deadline }, (err, value) => (err ? reject(mapError(err)) : resolve(value as Res)));
    });
}

/** A client of the service at `address`. */
export function connectAllocator(address: string, options: ConnectOptions = {}): AllocatorClient {
  const { grpcObject } = loadAllocatorProto();
  const raw = new grpcObject.mcs.v1.LabelAllocator(
    address,
    options.credentials ?? grpc.credentials.createInsecure(),
    options.channelOptions ?? {},
  );
  const client: Record<string, unknown> = {
    address,
    raw,
    WatchLeases: (req: WatchLeasesRequest) => raw.WatchLeases(req),
    close: () => raw.close(),
  };
  for (const m of UNARY_METHODS) client[m] = promiseUnary(raw, m, options.deadlineMs, options.mapError);
  return client as unknown as AllocatorClient;
}
