/**
 * The gRPC side of mcsctl: the service's client (client/allocator-client.ts)
 * with TLS or insecure credentials, a deadline per call, and the
 * classification of failures into mcsctl's exit codes.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { reasonOf } from '../rpc/error-details.js';
import { connectAllocator, type AllocatorClient } from '../client/allocator-client.js';

export type { AllocatorClient };

/** Exit codes of mcsctl. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error (a refusal, or any status it sent). */
  refused: 1,
  /** Bad command line or input (nothing was sent). */
  usage: 2,
  /** No server answered: no connection, or the deadline passed before any answer. */
  unreachable: 3,
} as const;

/** A command-line or input problem: exit 2, nothing was sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failed call, classified. */
export class CallError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    /** The service's machine-readable reason (ErrorInfo.reason); undefined when the server sent none. */
    readonly reason: string | undefined,
    /** True when no server answered: the call never reached the service. */
    readonly unreachable: boolean,
    readonly server: string,
  ) {
    super(details);
    this.name = 'CallError';
  }

  get statusName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }

  get exitCode(): number {
    return this.unreachable ? EXIT.unreachable : EXIT.refused;
  }

  /** The stderr line: `FAILED_PRECONDITION (VOLUME_CONFLICT): volume /data ...`. */
  describe(): string {
    if (this.unreachable) return `cannot reach the service at ${this.server}: ${this.statusName}: ${this.details}`;
    return `${this.statusName}${this.reason ? ` (${this.reason})` : ''}: ${this.details}`;
  }
}

/**
 * Sorts a client-side gRPC error into "the server refused" and "no server
 * answered". The service puts its reason on every error it sends, so an
 * UNAVAILABLE with a reason (REDIS_UNAVAILABLE) is the server talking, while
 * an UNAVAILABLE without one is grpc-js saying it has no connection; the same
 * goes for DEADLINE_EXCEEDED.
 */
export function classify(err: unknown, server: string): CallError {
  if (err instanceof CallError) return err;
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e?.code !== 'number') {
    return new CallError(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err), undefined, false, server);
  }
  const full = err as grpc.ServiceError;
  const reason = reasonOf(full);
  // grpc-js appends an empty "Resolution note:" to connection failures.
  const details = (full.details || full.message || grpc.status[full.code] || 'error').replace(/\s*Resolution note:\s*$/, '');
  const unreachable = reason === undefined && (full.code === grpc.status.UNAVAILABLE || full.code === grpc.status.DEADLINE_EXCEEDED);
  return new CallError(full.code, details, reason, unreachable, server);
}

export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** TLS when any of the files is given (grpc.credentials.createSsl), plaintext otherwise. */
export function channelCredentials(tls: TlsFiles): grpc.ChannelCredentials {
  const { ca, cert, key } = tls;
  if (!ca && !cert && !key) return grpc.credentials.createInsecure();
  if (Boolean(cert) !== Boolean(key)) {
    throw new UsageError('--tls-cert and --tls-key go together (a client certificate needs its key)');
  }
  return grpc.credentials.createSsl(
    ca ? readPem('--tls-ca', ca) : null,
    key ? readPem('--tls-key', key) : null,
    cert ? readPem('--tls-cert', cert) : null,
  );
}

export interface ClientOptions {
  /** host:port, [v6]:port or unix:/path. */
  readonly server: string;
  /** Deadline of each unary call. */
  readonly timeoutMs: number;
  readonly tls?: TlsFiles;
}

/** The service as mcsctl and the host agent use it: failures classified (CallError), a deadline per call. */
export function openClient(options: ClientOptions): AllocatorClient {
  return connectAllocator(options.server, {
    credentials: channelCredentials(options.tls ?? {}),
    // A CLI and its retrying hooks want a service that comes back to be
    // found quickly, not after grpc-js' default reconnect backoff (1 s, x1.6, up to 120 s).
    channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 2000 },
    deadlineMs: options.timeoutMs,
    mapError: (err) => classify(err, options.server),
  });
}
