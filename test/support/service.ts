import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { buildServeConfig } from '../../src/config/serve-config.js';
import { DEFAULTS, type ServeOptions } from '../../src/config/serve-flags.js';
import { loadAllocatorProto } from '../../src/proto.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { LabelAllocatorClient } from '../../src/generated/mcs/v1/LabelAllocator.js';
import type { AllocateRequest } from '../../src/generated/mcs/v1/AllocateRequest.js';
import type { AllocateResponse__Output } from '../../src/generated/mcs/v1/AllocateResponse.js';
import type { ReleaseRequest } from '../../src/generated/mcs/v1/ReleaseRequest.js';
import type { ReleaseResponse__Output } from '../../src/generated/mcs/v1/ReleaseResponse.js';
import type { RenewRequest } from '../../src/generated/mcs/v1/RenewRequest.js';
import type { RenewResponse__Output } from '../../src/generated/mcs/v1/RenewResponse.js';
import type { GetLeaseRequest } from '../../src/generated/mcs/v1/GetLeaseRequest.js';
import type { Lease__Output } from '../../src/generated/mcs/v1/Lease.js';
import type { ListLeasesRequest } from '../../src/generated/mcs/v1/ListLeasesRequest.js';
import type { ListLeasesResponse__Output } from '../../src/generated/mcs/v1/ListLeasesResponse.js';
import type { GetPoolStatsRequest } from '../../src/generated/mcs/v1/GetPoolStatsRequest.js';
import type { PoolStats__Output } from '../../src/generated/mcs/v1/PoolStats.js';
import type { PlanVolumesRequest } from '../../src/generated/mcs/v1/PlanVolumesRequest.js';
import type { VolumePlan__Output } from '../../src/generated/mcs/v1/VolumePlan.js';
import type { HeartbeatRequest } from '../../src/generated/mcs/v1/HeartbeatRequest.js';
import type { HeartbeatResponse__Output } from '../../src/generated/mcs/v1/HeartbeatResponse.js';
import type { ReconcileRequest } from '../../src/generated/mcs/v1/ReconcileRequest.js';
import type { ReconcileResponse__Output } from '../../src/generated/mcs/v1/ReconcileResponse.js';

/** Log lines of an in-process server, kept for assertions. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  logger(level = 'info'): Logger {
    return pino(
      { level, base: null },
      { write: (line: string) => void this.lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
  }
}

/** Starts the real service in this process on a free port against the given Redis. */
export async function startService(
  redisUrl: string,
  options: Partial<ServeOptions> = {},
  log: Logger = pino({ level: 'silent' }),
): Promise<RunningServer> {
  const config = buildServeConfig({
    ...DEFAULTS,
    listen: '127.0.0.1:0',
    redis: redisUrl,
    reserved: undefined,
    // Many services run side by side in the tests: no fixed metrics port.
    metricsListen: 'none',
    // Tests fill small pools from one host; the quota has tests of its own.
    hostQuota: '0',
    // Tests start Redis without data again and again; recovery has tests of its own.
    recoveryWindow: '0',
    ...options,
  });
  return startServer(config, log);
}

type Unary<Req, Res> = (req: Req, opts?: { deadlineMs?: number }) => Promise<Res>;

/** The LabelAllocator methods, promise-returning, with the generated message types. */
export interface TestClient {
  // The server always sets these message fields; the generated types allow null.
  Allocate: Unary<AllocateRequest, AllocateResponse__Output & { lease: Lease__Output; volume_plan: VolumePlan__Output }>;
  Release: Unary<ReleaseRequest, ReleaseResponse__Output>;
  Renew: Unary<RenewRequest, RenewResponse__Output & { lease: Lease__Output }>;
  GetLease: Unary<GetLeaseRequest, Lease__Output>;
  ListLeases: Unary<ListLeasesRequest, ListLeasesResponse__Output>;
  GetPoolStats: Unary<GetPoolStatsRequest, PoolStats__Output>;
  PlanVolumes: Unary<PlanVolumesRequest, VolumePlan__Output>;
  Heartbeat: Unary<HeartbeatRequest, HeartbeatResponse__Output>;
  Reconcile: Unary<ReconcileRequest, ReconcileResponse__Output>;
  raw: LabelAllocatorClient;
  close(): void;
}

/** A gRPC client of the service with promise-returning methods. */
export function connect(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()): TestClient {
  const { grpcObject } = loadAllocatorProto();
  // Each client its own connection, so a TLS identity is never shared between them.
  const raw = new grpcObject.mcs.v1.LabelAllocator(address, credentials, { 'grpc.use_local_subchannel_pool': 1 });
  const methods = ['Allocate', 'Release', 'Renew', 'GetLease', 'ListLeases', 'GetPoolStats', 'PlanVolumes', 'Heartbeat', 'Reconcile'] as const;
  const client = { raw, close: () => raw.close() } as Record<string, unknown>;
  for (const m of methods) {
    client[m] = (req: unknown, opts: { deadlineMs?: number } = {}) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (opts.deadlineMs ?? 10_000));
        (raw[m] as unknown as (r: unknown, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: unknown, v: unknown) => void) => void)(
          req,
          new grpc.Metadata(),
          { deadline },
          (err, value) => (err ? reject(err) : resolve(value)),
        );
      });
  }
  return client as unknown as TestClient;
}

/** Awaits a promise that must fail with a gRPC error, and returns it. */
export async function rpcError(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}
