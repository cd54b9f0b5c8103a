import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { buildServeConfig } from '../../src/config/serve-config.js';
import { DEFAULTS, type ServeOptions } from '../../src/config/serve-flags.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { connectAllocator, type AllocatorClient } from '../../src/client/allocator-client.js';

/** Log lines of an in-process server, kept for assertions. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  logger(level = 'info'): Logger {
    return pino({ level, base: null }, { write: (line: string) => void this.lines.push(JSON.parse(line) as Record<string, unknown>) });
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

/** The service's client as the tests use it: failures reject with the grpc-js error itself. */
export type TestClient = AllocatorClient;

/** A client of the service; each one its own connection, so a TLS identity is never shared between them. */
export function connect(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()): TestClient {
  return connectAllocator(address, { credentials, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
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
