/**
 * What the host agent learns from a container runtime: the workloads it
 * really has (list) and what happens to them (watch). Podman (libpod REST
 * API) and CRI runtimes (CRI-O, containerd) implement the same interface, so
 * the agent does not care which one runs on the host.
 *
 * What is not knowable from the runtime, and shows up as an absent field:
 * - The SELinux process label when SELinux is disabled in the kernel: Podman
 *   then reports ProcessLabel "" and CRI runtimes write no
 *   process.selinuxLabel into the OCI spec. A container run with
 *   `label=disable` has no label either.
 * - The label a CRI runtime picked itself when the pod asked for no level:
 *   it is only in the OCI spec of the verbose status (processLabel); the
 *   requested SELinux options (requestedSelinux) are what the pod asked for.
 * - Annotations and the process label of a Podman container that was
 *   removed between the list and its inspect (annotations undefined).
 */

export type RuntimeKind = 'podman' | 'cri';

/**
 * The lifecycle state as far as a lease is concerned: created (exists, does
 * not run yet), running (its process runs, paused included), exited (its
 * process is gone; it may still be restarted or removed), unknown.
 *
 * "created" differs by runtime: a CRI CONTAINER_CREATED container exists in
 * the OCI runtime (its createRuntime hooks ran), while Podman's "created"
 * is only in Podman's database (no OCI container, no hook ran yet; a
 * failed start returns it there) and its "initialized" is OCI-created.
 * runtimeState tells them apart.
 */
export type WorkloadState = 'created' | 'running' | 'exited' | 'unknown';

/**
 * A container, or a pod sandbox: the CRI pod sandbox, or Podman's infra
 * container of a pod. Both are real OCI containers with a process label.
 */
export type WorkloadRole = 'container' | 'sandbox';

export interface SelinuxOptions {
  readonly user: string;
  readonly role: string;
  readonly type: string;
  readonly level: string;
}

/** The pod a workload belongs to. */
export interface PodInfo {
  /** Podman pod id, or CRI pod sandbox id. */
  readonly id: string;
  /** Pod name; undefined when the sandbox vanished before it could be read. */
  readonly name: string | undefined;
  /** CRI only: from the sandbox metadata (the Kubernetes pod's uid and namespace). */
  readonly uid?: string;
  readonly namespace?: string;
  readonly attempt?: number;
}

export interface RuntimeWorkload {
  /** Full id: 64 hex digits for Podman and containerd (CRI-O too). */
  readonly id: string;
  readonly name: string;
  readonly role: WorkloadRole;
  readonly state: WorkloadState;
  /**
   * The state word as the runtime gave it ("running", "CONTAINER_EXITED",
   * "SANDBOX_READY", ...). It can differ from `state`: Podman says
   * "running" for a container whose conmon and process were killed, and the
   * adapter, having found the process gone, says exited.
   */
  readonly runtimeState: string;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * OCI annotations as given by the runtime; undefined when the adapter could
   * not read them (the container disappeared between list and inspect).
   * Undefined means unknown, not "none": a workload id derived from an
   * annotation cannot be derived then.
   */
  readonly annotations: Readonly<Record<string, string>> | undefined;
  /** The SELinux process label the runtime set for the process, e.g. `system_u:system_r:container_t:s0:c1,c2`. */
  readonly processLabel?: string;
  /** CRI only: the SELinux options the container (or sandbox) config asked for. */
  readonly requestedSelinux?: SelinuxOptions;
  /**
   * The MCS level the workload runs with, as written by the runtime: the
   * level of processLabel, else the level requested in the CRI config.
   */
  readonly level?: string;
  readonly levelSource?: 'process-label' | 'requested';
  /** Host pid of the workload's process while it runs, when the runtime says. */
  readonly pid?: number;
  readonly pod?: PodInfo;
  readonly image?: string;
  readonly createdAt?: Date;
}

/**
 * created: the workload now exists; started: its process runs; died: its
 * process is gone (a death, a stop, a failed start); removed: the runtime no
 * longer has it; other: anything else (kept for logs, raw says what).
 */
export type RuntimeEventType = 'created' | 'started' | 'died' | 'removed' | 'other';

/**
 * stream: the runtime's own event stream; poll: a difference between two
 * lists; probe: the adapter found the process of a "running" workload gone.
 */
export type RuntimeEventSource = 'stream' | 'poll' | 'probe';

export interface RuntimeEvent {
  readonly type: RuntimeEventType;
  /** The container (or sandbox) id, full length. */
  readonly id: string;
  /**
   * Podman's event stream does not tell a pod's infra container from the
   * other containers: its events say "container"; list() knows.
   */
  readonly role: WorkloadRole;
  readonly name?: string;
  /** The runtime's own word: Podman's status ("died"), the CRI event type, or "CONTAINER_RUNNING->CONTAINER_EXITED" for a poll. */
  readonly raw: string;
  readonly source: RuntimeEventSource;
  /** When it happened, by the runtime's clock; else when the adapter saw it. */
  readonly time: Date;
  readonly exitCode?: number;
  /** Podman pod id or CRI sandbox id, when the runtime says. */
  readonly podId?: string;
  /** The workload's labels when the event carries them (Podman events do). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuntimeInfo {
  readonly kind: RuntimeKind;
  /** "podman", "containerd", "cri-o", ... */
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  /** Asks the runtime who it is; fails with a clear message when it cannot be reached. */
  version(): Promise<RuntimeInfo>;
  /** Every workload the runtime has now, in any state. */
  list(): Promise<RuntimeWorkload[]>;
  /**
   * Workload events from now until the signal aborts. Fails (on the first
   * iteration) when the runtime cannot be reached at all; once connected it
   * reconnects by itself when the runtime goes away and comes back.
   */
  watch(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  close(): void;
}

/** Where the adapters report what they recover from (pino's Logger fits). */
export interface RuntimeLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export const SILENT_LOGGER: RuntimeLogger = { warn() {}, info() {} };

/** A runtime that cannot be reached or answered with an error. */
export class RuntimeUnavailableError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RuntimeUnavailableError';
  }
}
