import { createServer, connect, type Server, type Socket } from 'node:net';

interface DropRule {
  readonly marker: Buffer;
  readonly fired: () => void;
}

/**
 * A TCP proxy between a client (the service) and a server (Redis) that can
 * lose a reply on purpose: once armed, the first chunk coming back from the
 * server that contains the marker is discarded and both sockets of that
 * connection are destroyed, so the client sees its request go out and the
 * connection drop before the answer arrives. Everything else passes through.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private rule: DropRule | undefined;
  /** Connections accepted so far (a reconnect adds one). */
  accepted = 0;
  /** Replies discarded by dropNextReplyContaining. */
  dropped = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.handle(client, targetPort, targetHost));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    proxy = new TcpProxy(server, port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Arms the proxy. The returned promise resolves once a reply containing
   * `marker` has been swallowed and its connection torn down.
   */
  dropNextReplyContaining(marker: string): Promise<void> {
    return new Promise((resolve) => {
      this.rule = { marker: Buffer.from(marker), fired: resolve };
    });
  }

  private handle(client: Socket, targetPort: number, targetHost: string): void {
    this.accepted += 1;
    const upstream = connect(targetPort, targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      this.sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    client.on('data', (chunk: Buffer) => {
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const rule = this.rule;
      if (rule && chunk.includes(rule.marker)) {
        this.rule = undefined;
        this.dropped += 1;
        destroyBoth();
        rule.fired();
        return;
      }
      if (!client.destroyed) client.write(chunk);
    });
  }

  /** Closes the listener and every open connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
