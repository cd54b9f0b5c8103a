import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, protoDir } from '../../src/proto.js';
import { connectAllocator, promiseUnary, type AllocatorClient, type Unary } from '../../src/client/allocator-client.js';
import type { AllocateRequest } from '../../src/generated/mcs/v1/AllocateRequest.js';
import type { AllocateResponse__Output } from '../../src/generated/mcs/v1/AllocateResponse.js';

/**
 * Every channel gets its own subchannel pool, so two clients of the same
 * address really open two HTTP/2 connections (grpc-js shares one otherwise).
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };

/** One channel to one service process, with the calls the benchmark makes. */
export interface BenchChannel {
  /** The service's client (client/allocator-client.ts) on this channel. */
  readonly allocator: AllocatorClient;
  /** mcs.bench.v1.Bench/Noop: Allocate's messages, no work. */
  readonly noop: Unary<AllocateRequest, AllocateResponse__Output>;
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

/**
 * A channel with the stubs `which` asks for: a measurement's channel
 * carries exactly one service, as a real client's would. The stub that is
 * not on it throws when called.
 */
export function openChannel(address: string, which: 'allocator' | 'bench' | 'both' = 'both'): BenchChannel {
  const creds = grpc.credentials.createInsecure();
  const allocator = which !== 'bench' ? connectAllocator(address, { credentials: creds, channelOptions: CHANNEL_OPTIONS }) : undefined;
  const bench = which !== 'allocator' ? new (benchClientCtor())(address, creds, CHANNEL_OPTIONS) : undefined;
  const main: grpc.Client = allocator?.raw ?? bench!;
  const missing = (name: string) => () => {
    throw new Error(`${name} is not on this channel`);
  };
  return {
    get allocator() {
      return allocator ?? missing('LabelAllocator')();
    },
    noop: bench ? promiseUnary(bench, 'Noop') : missing('Bench'),
    waitReady: (deadlineMs) =>
      new Promise((resolve, reject) => main.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(err) : resolve()))),
    close: () => {
      allocator?.close();
      bench?.close();
    },
  };
}

/** "UNAVAILABLE", "RESOURCE_EXHAUSTED", ... for a gRPC error; the class name otherwise. */
export function errorName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && grpc.status[code] !== undefined) return grpc.status[code]!;
  return err instanceof Error ? err.constructor.name : 'Error';
}
