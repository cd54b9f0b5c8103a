import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { loadAllocatorProto, LOADER_OPTIONS, protoDir } from '../../src/proto.js';
import { connectAllocator, type AllocatorClient } from '../../src/client/allocator-client.js';
import type { AllocateRequest } from '../../src/generated/mcs/v1/AllocateRequest.js';
import type { AllocateResponse__Output } from '../../src/generated/mcs/v1/AllocateResponse.js';
import type { ReleaseRequest } from '../../src/generated/mcs/v1/ReleaseRequest.js';
import type { ReleaseResponse__Output } from '../../src/generated/mcs/v1/ReleaseResponse.js';
import type { PoolStats__Output } from '../../src/generated/mcs/v1/PoolStats.js';

/**
 * Every channel gets its own subchannel pool, so two clients of the same
 * address really open two HTTP/2 connections (grpc-js shares one otherwise).
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type UnaryFn<Req, Res> = (req: Req, options: grpc.CallOptions, cb: Callback<Res>) => grpc.ClientUnaryCall;

/** One channel to one service process, with the calls the benchmark makes. */
export interface BenchChannel {
  allocate(req: AllocateRequest, deadlineMs: number, cb: Callback<AllocateResponse__Output>): void;
  release(req: ReleaseRequest, deadlineMs: number, cb: Callback<ReleaseResponse__Output>): void;
  noop(req: AllocateRequest, deadlineMs: number, cb: Callback<AllocateResponse__Output>): void;
  /** grpc.health.v1.Health/Check of the whole server (service ''). */
  health(deadlineMs: number, cb: Callback<{ status: string }>): void;
  stats(deadlineMs: number): Promise<PoolStats__Output>;
  /** The service's typed client (client/allocator-client.ts), on a channel of its own, for the calls around a measurement. */
  readonly allocator: AllocatorClient;
  waitReady(deadlineMs: number): Promise<void>;
  close(): void;
}

let benchCtor: grpc.ServiceClientConstructor | undefined;
function benchClientCtor(): grpc.ServiceClientConstructor {
  if (!benchCtor) {
    const def = protoLoader.loadSync('mcs/bench/v1/bench.proto', { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
    const obj = grpc.loadPackageDefinition(def) as unknown as { mcs: { bench: { v1: { Bench: grpc.ServiceClientConstructor } } } };
    benchCtor = obj.mcs.bench.v1.Bench;
  }
  return benchCtor;
}

let healthCtor: grpc.ServiceClientConstructor | undefined;
function healthClientCtor(): grpc.ServiceClientConstructor {
  if (!healthCtor) {
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const obj = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    healthCtor = obj.grpc.health.v1.Health;
  }
  return healthCtor;
}

/**
 * A channel with both services' stubs on it (`health`: only the standard
 * health service's). `noopOnly` builds only the
 * Bench stub (and `allocatorOnly` only LabelAllocator), so the channel a
 * measurement uses carries exactly one service, as a real client's would.
 */
export function openChannel(address: string, which: 'allocator' | 'bench' | 'health' | 'both' = 'both'): BenchChannel {
  const creds = grpc.credentials.createInsecure();
  const { grpcObject } = loadAllocatorProto();
  const allocator =
    which === 'allocator' || which === 'both'
      ? (new grpcObject.mcs.v1.LabelAllocator(address, creds, CHANNEL_OPTIONS) as unknown as grpc.Client & Record<string, unknown>)
      : undefined;
  const bench =
    which === 'bench' || which === 'both'
      ? (new (benchClientCtor())(address, creds, CHANNEL_OPTIONS) as grpc.Client & Record<string, unknown>)
      : undefined;
  const healthClient =
    which === 'health' ? (new (healthClientCtor())(address, creds, CHANNEL_OPTIONS) as grpc.Client & Record<string, unknown>) : undefined;
  const main = (allocator ?? bench ?? healthClient)!;
  const fn = <Req, Res>(client: (grpc.Client & Record<string, unknown>) | undefined, name: string) => {
    if (!client)
      return () => {
        throw new Error(`${name} is not on this channel`);
      };
    const method = (client[name] as UnaryFn<Req, Res>).bind(client);
    return (req: Req, deadlineMs: number, cb: Callback<Res>) => {
      method(req, { deadline: Date.now() + deadlineMs }, cb);
    };
  };
  const allocate = fn<AllocateRequest, AllocateResponse__Output>(allocator, 'Allocate');
  const release = fn<ReleaseRequest, ReleaseResponse__Output>(allocator, 'Release');
  const noop = fn<AllocateRequest, AllocateResponse__Output>(bench, 'Noop');
  const check = fn<{ service: string }, { status: string }>(healthClient, 'Check');
  const statsFn = fn<Record<string, never>, PoolStats__Output>(allocator, 'GetPoolStats');
  let typed: AllocatorClient | undefined;
  return {
    get allocator() {
      typed ??= connectAllocator(address, { credentials: creds, channelOptions: CHANNEL_OPTIONS });
      return typed;
    },
    allocate,
    release,
    noop,
    health: (deadlineMs, cb) => check({ service: '' }, deadlineMs, cb),
    stats: (deadlineMs) => new Promise((resolve, reject) => statsFn({}, deadlineMs, (err, v) => (err ? reject(err) : resolve(v!)))),
    waitReady: (deadlineMs) =>
      new Promise((resolve, reject) => main.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(err) : resolve()))),
    close: () => {
      typed?.close();
      allocator?.close();
      bench?.close();
      healthClient?.close();
    },
  };
}

/** "UNAVAILABLE", "RESOURCE_EXHAUSTED", ... for a gRPC error; the class name otherwise. */
export function errorName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && grpc.status[code] !== undefined) return grpc.status[code];
  return err instanceof Error ? err.constructor.name : 'Error';
}
