import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, protoDir } from '../proto.js';
import type { AllocateRequest__Output } from '../generated/mcs/v1/AllocateRequest.js';

/**
 * mcs.bench.v1.Bench (proto/mcs/bench/v1/bench.proto): a benchmark-only
 * service, registered only when the server runs with the hidden
 * `--bench-noop` flag (env MCS_BENCH_NOOP).
 *
 * Noop is the transport ceiling: it takes an AllocateRequest and answers an
 * AllocateResponse of the same shape and size as a real grant (host and
 * workload id echoed, every other field a fixed realistic value) without
 * validating, logging or touching Redis. The same server process and the
 * same client then show what gRPC itself costs, next to Allocate and Release.
 */
export const BENCH_PROTO = 'mcs/bench/v1/bench.proto';
export const BENCH_SERVICE_NAME = 'mcs.bench.v1.Bench';

const LEVEL = 's0:c417,c902';
const FIXED_LEASE: Readonly<Record<string, unknown>> = {
  lease_id: 'nawq7kd3s5fxm2pa',
  pool: 'default',
  level: LEVEL,
  process_label: `system_u:system_r:container_t:${LEVEL}`,
  mount_label: `system_u:object_r:container_file_t:${LEVEL}`,
  ro_mount_label: `system_u:object_r:container_ro_file_t:${LEVEL}`,
  fencing_token: '1795945327852001',
  created_at: { seconds: '1795945327', nanos: 853_000_000 },
  expires_at: null,
  claims: [],
  kind: 'RANDOM',
};

interface BenchGrpcObject {
  mcs: { bench: { v1: { Bench: grpc.ServiceClientConstructor } } };
}

export function loadBenchProto(): { definition: protoLoader.PackageDefinition; service: grpc.ServiceDefinition } {
  const definition = protoLoader.loadSync(BENCH_PROTO, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  const grpcObject = grpc.loadPackageDefinition(definition) as unknown as BenchGrpcObject;
  return { definition, service: grpcObject.mcs.bench.v1.Bench.service };
}

export function benchHandlers(): grpc.UntypedServiceImplementation {
  const Noop: grpc.handleUnaryCall<AllocateRequest__Output, Record<string, unknown>> = (call, callback) => {
    const req = call.request;
    // Fields the message does not have (while the API grows) are ignored by the serializer.
    const response = {
      lease: { ...FIXED_LEASE, host: req.host, workload_id: req.workload_id, members: [req.workload_id] },
      created: true,
      volume_plan: { actions: [] },
    };
    callback(null, response);
  };
  return { Noop };
}

/** Registers mcs.bench.v1.Bench on a server. */
export function addBenchService(server: grpc.Server): void {
  server.addService(loadBenchProto().service, benchHandlers());
}
