import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ConnectionLimits } from '../config/serve-config.js';

/**
 * What one peer may hold open on the gRPC port before it has proved
 * anything. grpc-js binds its own sockets without limits, so the service
 * accepts connections itself and hands them to grpc-js (a connection
 * injector) once they pass these checks.
 */
export type { ConnectionLimits };

/** Why a connection was refused or closed, as counted and logged. */
export type ConnectionRefusal = 'max_connections' | 'max_per_address' | 'handshake_timeout';

export interface Listener {
  readonly port: number;
  /** Connections open now. */
  open(): number;
  /** Stops accepting new connections; open ones are left to grpc-js's shutdown. */
  stopAccepting(): void;
  /** Stops accepting and closes whatever is still open (after grpc-js's shutdown: connections that never became sessions). */
  close(): Promise<void>;
}

/**
 * The HTTP/2 connection preface is 24 bytes and a TLS ClientHello longer:
 * a peer that has sent fewer by the deadline has not started talking.
 */
const MIN_FIRST_BYTES = 24;

/**
 * Asks grpc-js's TLS server to abort handshakes that take longer than
 * `ms` (Node's default is 120 s). grpc-js passes a credentials object's
 * constructor options to `http2.createSecureServer`; an insecure one has
 * none and is returned as it is.
 */
export function withHandshakeTimeout(credentials: grpc.ServerCredentials, ms: number): grpc.ServerCredentials {
  const inner = credentials as unknown as { serverConstructorOptions?: Record<string, unknown> | null };
  if (inner.serverConstructorOptions) inner.serverConstructorOptions.handshakeTimeout = ms;
  return credentials;
}

/** host:port, [v6]:port or unix:/path, as --listen takes them. */
function listenTarget(address: string): { path: string } | { host: string; port: number } {
  if (address.startsWith('unix:')) return { path: address.slice('unix:'.length).replace(/^\/\/(?=\/)/, '') };
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`not host:port or unix:/path: ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export async function listen(
  server: grpc.Server,
  address: string,
  credentials: grpc.ServerCredentials,
  limits: ConnectionLimits,
  log: Logger,
  onRefused: (why: ConnectionRefusal) => void = () => {},
): Promise<Listener> {
  const injector = server.createConnectionInjector(withHandshakeTimeout(credentials, limits.handshakeTimeoutMs));
  const sockets = new Set<Socket>();
  const perAddress = new Map<string, number>();
  // Refusals come in floods: log the first of each kind, then one line a minute.
  const lastLogged = new Map<ConnectionRefusal, number>();
  const refuse = (socket: Socket, why: ConnectionRefusal, peer: string) => {
    onRefused(why);
    const now = Date.now();
    if (now - (lastLogged.get(why) ?? 0) >= 60_000) {
      lastLogged.set(why, now);
      log.warn({ peer, reason: why, open: sockets.size, limits }, 'connection refused');
    }
    socket.destroy();
  };

  const net: NetServer = createServer((socket) => {
    const peer = socket.remoteAddress ?? 'local';
    if (limits.maxConnections > 0 && sockets.size >= limits.maxConnections) return refuse(socket, 'max_connections', peer);
    const fromPeer = perAddress.get(peer) ?? 0;
    if (limits.maxPerAddress > 0 && fromPeer >= limits.maxPerAddress) return refuse(socket, 'max_per_address', peer);
    sockets.add(socket);
    perAddress.set(peer, fromPeer + 1);
    const deadline =
      limits.handshakeTimeoutMs > 0
        ? setTimeout(() => {
            if (socket.bytesRead < MIN_FIRST_BYTES) refuse(socket, 'handshake_timeout', peer);
          }, limits.handshakeTimeoutMs)
        : undefined;
    deadline?.unref();
    socket.once('close', () => {
      clearTimeout(deadline);
      sockets.delete(socket);
      const n = (perAddress.get(peer) ?? 1) - 1;
      if (n <= 0) perAddress.delete(peer);
      else perAddress.set(peer, n);
    });
    // A peer that resets the connection is no error of ours.
    socket.on('error', () => {});
    injector.injectConnection(socket);
  });

  const target = listenTarget(address);
  const bind = () =>
    new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(target, () => {
        net.off('error', reject);
        resolve();
      });
    });
  try {
    await bind();
  } catch (err) {
    // A socket file left by a process that died is taken over; one that
    // answers belongs to a running server and is left alone.
    if (!('path' in target) || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await answers(target.path))) throw err;
    rmSync(target.path, { force: true });
    await bind();
  }
  const bound = net.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  let closed: Promise<void> | undefined;
  const stopAccepting = () => {
    closed ??= new Promise<void>((resolve) => net.close(() => resolve()));
  };
  return {
    port,
    open: () => sockets.size,
    stopAccepting,
    close: () => {
      stopAccepting();
      for (const socket of sockets) socket.destroy();
      return closed!;
    },
  };
}
