/**
 * CRI runtimes (CRI-O, containerd) through runtime.v1.RuntimeService on
 * the runtime's unix socket, with @grpc/grpc-js and our own subset of the
 * CRI .proto (proto/cri/runtime/v1/api.proto).
 *
 * list(): ListPodSandbox and ListContainers (in parallel), plus one
 * verbose ContainerStatus / PodSandboxStatus for each container and sandbox
 * not seen before, for the SELinux label (not in the list messages; fixed
 * at creation, so cached by id).
 *
 * watch(): GetContainerEvents where the runtime has it (containerd 1.7+,
 * CRI-O 1.26+); when it answers UNIMPLEMENTED (containerd 1.6) it polls the
 * two list calls every poll interval and reports the differences as the
 * same events. When the stream breaks, the reconnection first reports
 * what changed while it was away (a list compared with what the stream
 * had told), then follows the stream again.
 */
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, protoDir } from '../../proto.js';
import type {
  CriContainer,
  CriContainerConfig,
  CriContainerEventResponse,
  CriContainerFilter,
  CriContainerStatusResponse,
  CriPodSandbox,
  CriPodSandboxConfig,
  CriPodSandboxFilter,
  CriPodSandboxStatusResponse,
  CriVersionResponse,
} from './cri-types.js';
import { criContainerWorkload, criEvent, criSandboxWorkload, criSelinuxFromInfo, type CriSelinux } from './cri-map.js';
import { AsyncQueue } from './queue.js';
import { Backoff, delay, mapLimit } from './limit.js';
import { applyEvent, diffSnapshots, snapshotOf, type SnapshotEntry } from './snapshot.js';
import {
  RuntimeUnavailableError,
  SILENT_LOGGER,
  type ContainerRuntime,
  type RuntimeEvent,
  type RuntimeInfo,
  type RuntimeLogger,
  type RuntimeWorkload,
} from './types.js';

export const CRI_PROTO = 'cri/runtime/v1/api.proto';

/** The usual CRI sockets, in the order a host is searched. */
export const CRI_SOCKETS = ['/run/containerd/containerd.sock', '/run/crio/crio.sock', '/var/run/crio/crio.sock'] as const;

/** The first of CRI_SOCKETS that exists, else containerd's. */
export function defaultCriSocket(exists: (path: string) => boolean = existsSync): string {
  return CRI_SOCKETS.find((p) => exists(p)) ?? CRI_SOCKETS[0];
}

type Callback<R> = (err: grpc.ServiceError | null, res?: R) => void;
type Unary<Q, R> = (req: Q, metadata: grpc.Metadata, options: grpc.CallOptions, cb: Callback<R>) => grpc.ClientUnaryCall;

interface RuntimeServiceStub extends grpc.Client {
  Version: Unary<{ version?: string }, CriVersionResponse>;
  RunPodSandbox: Unary<{ config: CriPodSandboxConfig; runtime_handler?: string }, { pod_sandbox_id: string }>;
  StopPodSandbox: Unary<{ pod_sandbox_id: string }, object>;
  RemovePodSandbox: Unary<{ pod_sandbox_id: string }, object>;
  PodSandboxStatus: Unary<{ pod_sandbox_id: string; verbose?: boolean }, CriPodSandboxStatusResponse>;
  ListPodSandbox: Unary<{ filter?: CriPodSandboxFilter }, { items: CriPodSandbox[] }>;
  CreateContainer: Unary<
    { pod_sandbox_id: string; config: CriContainerConfig; sandbox_config: CriPodSandboxConfig },
    { container_id: string }
  >;
  StartContainer: Unary<{ container_id: string }, object>;
  StopContainer: Unary<{ container_id: string; timeout?: number }, object>;
  RemoveContainer: Unary<{ container_id: string }, object>;
  ListContainers: Unary<{ filter?: CriContainerFilter }, { containers: CriContainer[] }>;
  ContainerStatus: Unary<{ container_id: string; verbose?: boolean }, CriContainerStatusResponse>;
  GetContainerEvents: (req: object, options?: grpc.CallOptions) => grpc.ClientReadableStream<CriContainerEventResponse>;
}

let loaded: grpc.ServiceClientConstructor | undefined;

function runtimeServiceConstructor(): grpc.ServiceClientConstructor {
  if (!loaded) {
    const definition = protoLoader.loadSync(CRI_PROTO, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    loaded = pkg.runtime.v1.RuntimeService;
  }
  return loaded;
}

/** The unix socket as a gRPC target. */
export function criTarget(socketPath: string): string {
  return socketPath.startsWith('unix:') ? socketPath : `unix://${socketPath}`;
}

export interface CriClientOptions {
  readonly socketPath: string;
  /** Deadline of one unary call. */
  readonly timeoutMs?: number;
}

/**
 * Promise-shaped calls of runtime.v1.RuntimeService. The adapter uses the
 * read calls; the integration tests drive a real runtime's lifecycle with
 * the same client.
 */
export class CriClient {
  readonly socketPath: string;
  private readonly stub: RuntimeServiceStub;
  private readonly timeoutMs: number;

  constructor(options: CriClientOptions) {
    this.socketPath = options.socketPath.replace(/^unix:\/\//, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const Ctor = runtimeServiceConstructor();
    this.stub = new Ctor(criTarget(options.socketPath), grpc.credentials.createInsecure(), {
      // The kubelet's limit: a node with hundreds of annotated containers exceeds gRPC's default 4 MiB.
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      // Reconnect quickly after the runtime restarts.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as RuntimeServiceStub;
  }

  private unary<Q, R>(method: keyof RuntimeServiceStub, fn: Unary<Q, R>, req: Q, timeoutMs = this.timeoutMs): Promise<R> {
    return new Promise((resolve, reject) => {
      fn.call(this.stub, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(this.explain(String(method), err));
        else resolve(res as R);
      });
    });
  }

  /** A gRPC error with the socket and the call in its message; the gRPC code stays in `code`. */
  explain(method: string, err: grpc.ServiceError): CriCallError {
    const details = err.details || err.message;
    let hint = '';
    if (err.code === grpc.status.UNAVAILABLE) {
      if (/ENOENT/.test(details))
        hint = `: the CRI socket ${this.socketPath} does not exist (is the runtime running? is this the right socket?)`;
      else if (/ECONNREFUSED/.test(details)) hint = `: nothing accepts connections on the CRI socket ${this.socketPath}`;
      else if (/EACCES/.test(details)) hint = `: no permission to connect to the CRI socket ${this.socketPath}`;
    }
    return new CriCallError(
      `CRI ${method} on ${this.socketPath} failed: ${grpc.status[err.code] ?? err.code} ${details}${hint}`,
      err.code,
      details,
    );
  }

  version(): Promise<CriVersionResponse> {
    return this.unary('Version', this.stub.Version, { version: 'v1' });
  }
  runPodSandbox(config: CriPodSandboxConfig, runtimeHandler = ''): Promise<string> {
    return this.unary('RunPodSandbox', this.stub.RunPodSandbox, { config, runtime_handler: runtimeHandler }, 60_000).then(
      (r) => r.pod_sandbox_id,
    );
  }
  stopPodSandbox(id: string): Promise<void> {
    return this.unary('StopPodSandbox', this.stub.StopPodSandbox, { pod_sandbox_id: id }, 60_000).then(() => undefined);
  }
  removePodSandbox(id: string): Promise<void> {
    return this.unary('RemovePodSandbox', this.stub.RemovePodSandbox, { pod_sandbox_id: id }, 60_000).then(() => undefined);
  }
  podSandboxStatus(id: string, verbose = false): Promise<CriPodSandboxStatusResponse> {
    return this.unary('PodSandboxStatus', this.stub.PodSandboxStatus, { pod_sandbox_id: id, verbose });
  }
  listPodSandbox(filter?: CriPodSandboxFilter): Promise<CriPodSandbox[]> {
    return this.unary('ListPodSandbox', this.stub.ListPodSandbox, filter ? { filter } : {}).then((r) => r.items);
  }
  createContainer(sandboxId: string, config: CriContainerConfig, sandboxConfig: CriPodSandboxConfig): Promise<string> {
    return this.unary(
      'CreateContainer',
      this.stub.CreateContainer,
      { pod_sandbox_id: sandboxId, config, sandbox_config: sandboxConfig },
      60_000,
    ).then((r) => r.container_id);
  }
  startContainer(id: string): Promise<void> {
    return this.unary('StartContainer', this.stub.StartContainer, { container_id: id }, 60_000).then(() => undefined);
  }
  stopContainer(id: string, timeoutSeconds = 0): Promise<void> {
    return this.unary(
      'StopContainer',
      this.stub.StopContainer,
      { container_id: id, timeout: timeoutSeconds },
      60_000 + timeoutSeconds * 1000,
    ).then(() => undefined);
  }
  removeContainer(id: string): Promise<void> {
    return this.unary('RemoveContainer', this.stub.RemoveContainer, { container_id: id }, 60_000).then(() => undefined);
  }
  listContainers(filter?: CriContainerFilter): Promise<CriContainer[]> {
    return this.unary('ListContainers', this.stub.ListContainers, filter ? { filter } : {}).then((r) => r.containers);
  }
  containerStatus(id: string, verbose = false): Promise<CriContainerStatusResponse> {
    return this.unary('ContainerStatus', this.stub.ContainerStatus, { container_id: id, verbose });
  }
  /** The server stream of GetContainerEvents; no deadline, it lasts until cancelled. */
  containerEvents(): grpc.ClientReadableStream<CriContainerEventResponse> {
    return this.stub.GetContainerEvents({});
  }

  close(): void {
    this.stub.close();
  }
}

export class CriCallError extends RuntimeUnavailableError {
  constructor(
    message: string,
    readonly grpcCode: grpc.status,
    readonly details: string,
  ) {
    super(message, grpc.status[grpcCode]);
    this.name = 'CriCallError';
  }
}

export interface CriRuntimeOptions {
  /** The runtime's socket; default: defaultCriSocket(). */
  readonly socketPath?: string;
  readonly timeoutMs?: number;
  /** Read each new container's and sandbox's SELinux label with one verbose status call. */
  readonly readSelinux?: boolean;
  readonly statusConcurrency?: number;
  /** auto: the runtime's event stream, polling when it has none; poll: always poll. */
  readonly events?: 'auto' | 'poll';
  readonly pollIntervalMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly logger?: RuntimeLogger;
}

export class CriRuntime implements ContainerRuntime {
  readonly kind = 'cri' as const;
  readonly client: CriClient;
  private readonly selinux = new Map<string, CriSelinux>();
  private readonly watches = new Set<AbortController>();
  private readonly logger: RuntimeLogger;
  private readonly opts: Required<Omit<CriRuntimeOptions, 'socketPath' | 'logger' | 'timeoutMs'>>;
  /** Learnt once: the runtime has no GetContainerEvents. */
  private eventsUnimplemented = false;

  constructor(options: CriRuntimeOptions = {}) {
    this.client = new CriClient({
      socketPath: options.socketPath ?? defaultCriSocket(),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.logger = options.logger ?? SILENT_LOGGER;
    this.opts = {
      readSelinux: options.readSelinux ?? true,
      statusConcurrency: options.statusConcurrency ?? 8,
      events: options.events ?? 'auto',
      pollIntervalMs: options.pollIntervalMs ?? 2_000,
      reconnectMinMs: options.reconnectMinMs ?? 100,
      reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
    };
  }

  /** What the last watch() uses: 'stream' or 'poll' (after the runtime answered UNIMPLEMENTED). */
  get eventSource(): 'stream' | 'poll' {
    return this.opts.events === 'poll' || this.eventsUnimplemented ? 'poll' : 'stream';
  }

  async version(): Promise<RuntimeInfo> {
    const v = await this.client.version();
    return { kind: 'cri', name: v.runtime_name, version: v.runtime_version, apiVersion: v.runtime_api_version };
  }

  async list(): Promise<RuntimeWorkload[]> {
    const [sandboxes, containers] = await Promise.all([this.client.listPodSandbox(), this.client.listContainers()]);
    const sandboxById = new Map(sandboxes.map((s) => [s.id, s]));
    // A container whose sandbox is not in the list was created after the sandbox list was taken.
    const missing = [...new Set(containers.map((c) => c.pod_sandbox_id).filter((id) => id && !sandboxById.has(id)))];
    await mapLimit(missing, this.opts.statusConcurrency, async (id) => {
      const status = await this.ifExists(this.client.podSandboxStatus(id));
      if (status?.status) sandboxById.set(id, status.status);
    });

    if (this.opts.readSelinux) {
      const live = new Set<string>();
      const todo: { id: string; sandbox: boolean }[] = [];
      for (const s of sandboxes) {
        live.add(s.id);
        if (!this.selinux.has(s.id)) todo.push({ id: s.id, sandbox: true });
      }
      for (const c of containers) {
        live.add(c.id);
        if (!this.selinux.has(c.id)) todo.push({ id: c.id, sandbox: false });
      }
      await mapLimit(todo, this.opts.statusConcurrency, async ({ id, sandbox }) => {
        const status = await this.ifExists<{ info: Record<string, string> }>(
          sandbox ? this.client.podSandboxStatus(id, true) : this.client.containerStatus(id, true),
        );
        if (status) this.selinux.set(id, criSelinuxFromInfo(status.info));
      });
      for (const id of this.selinux.keys()) if (!live.has(id)) this.selinux.delete(id);
    }

    return [
      ...sandboxes.map((s) => criSandboxWorkload(s, this.selinux.get(s.id))),
      ...containers.map((c) => criContainerWorkload(c, sandboxById.get(c.pod_sandbox_id), this.selinux.get(c.id))),
    ];
  }

  watch(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    this.watches.add(controller);
    const queue = new AsyncQueue<RuntimeEvent>(stop);
    void this.follow(queue, controller.signal)
      .catch((err: unknown) => queue.fail(err))
      .finally(() => {
        signal.removeEventListener('abort', stop);
        this.watches.delete(controller);
        queue.end();
      });
    return queue;
  }

  close(): void {
    for (const c of this.watches) c.abort();
    this.client.close();
  }

  /** The cheap list (no verbose calls) that polling compares. */
  private async snapshot(): Promise<Map<string, SnapshotEntry>> {
    const [sandboxes, containers] = await Promise.all([this.client.listPodSandbox(), this.client.listContainers()]);
    const sandboxById = new Map(sandboxes.map((s) => [s.id, s]));
    return snapshotOf([
      ...sandboxes.map((s) => criSandboxWorkload(s, undefined)),
      ...containers.map((c) => criContainerWorkload(c, sandboxById.get(c.pod_sandbox_id), undefined)),
    ]);
  }

  private async follow(queue: AsyncQueue<RuntimeEvent>, signal: AbortSignal): Promise<void> {
    // The first list fails loudly when the runtime cannot be reached.
    let known = await this.snapshot();
    const backoff = new Backoff(this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
    while (!signal.aborted && !queue.closed) {
      if (this.eventSource === 'stream') {
        const outcome = await this.streamOnce(queue, signal, known, () => backoff.reset());
        if (outcome === 'unimplemented') {
          this.eventsUnimplemented = true;
          this.logger.info({ socket: this.client.socketPath }, 'the CRI runtime has no GetContainerEvents; polling its lists');
          continue;
        }
        if (signal.aborted) return;
        await delay(backoff.next(), signal);
      } else {
        await delay(this.opts.pollIntervalMs, signal);
      }
      if (signal.aborted || queue.closed) return;
      // After a poll interval or a broken stream: report what changed meanwhile.
      let next: Map<string, SnapshotEntry>;
      try {
        next = await this.snapshot();
      } catch (err) {
        this.logger.warn({ socket: this.client.socketPath, err: (err as Error).message }, 'CRI list failed; retrying');
        if (this.eventSource === 'poll') await delay(backoff.next(), signal);
        continue;
      }
      backoff.reset();
      for (const e of diffSnapshots(known, next, new Date())) queue.push(e);
      known = next;
    }
  }

  /**
   * Follows GetContainerEvents until it breaks, keeping `known` up to date
   * with what it reports. 'unimplemented' when the runtime has no such call.
   */
  private streamOnce(
    queue: AsyncQueue<RuntimeEvent>,
    signal: AbortSignal,
    known: Map<string, SnapshotEntry>,
    onEvent: () => void,
  ): Promise<'ended' | 'unimplemented'> {
    return new Promise((resolve) => {
      const call = this.client.containerEvents();
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const settle = (outcome: 'ended' | 'unimplemented'): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      call.on('data', (message: CriContainerEventResponse) => {
        onEvent();
        const e = criEvent(message);
        applyEvent(known, e);
        queue.push(e);
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code === grpc.status.UNIMPLEMENTED) return settle('unimplemented');
        if (err.code !== grpc.status.CANCELLED) {
          this.logger.warn(
            { socket: this.client.socketPath, err: this.client.explain('GetContainerEvents', err).message },
            'CRI event stream lost; reconnecting',
          );
        }
        settle('ended');
      });
      call.on('end', () => settle('ended'));
    });
  }

  /**
   * The answer of a status call, or undefined when the container or sandbox
   * is gone meanwhile (NOT_FOUND; CRI-O and older runtimes say so only in
   * the text). Any other failure fails the list: a workload reported
   * without its level could cost it its lease.
   */
  private async ifExists<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (
        err instanceof CriCallError &&
        (err.grpcCode === grpc.status.NOT_FOUND || /not found|does not exist|could not find/i.test(err.details))
      ) {
        return undefined;
      }
      throw err;
    }
  }
}
