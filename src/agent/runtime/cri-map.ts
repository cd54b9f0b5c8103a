/**
 * CRI runtime.v1 messages, mapped to the runtime-neutral types. Pure: the
 * gRPC side is in cri.ts.
 *
 * What each call gives (checked against containerd 1.6):
 * - ListPodSandbox: id, metadata (name, uid, namespace, attempt), state,
 *   labels, annotations, as the kubelet set them.
 * - ListContainers: id, pod_sandbox_id, metadata.name, image, state,
 *   labels, annotations. No security context.
 * - ContainerStatus / PodSandboxStatus with verbose=true: info["info"], a
 *   runtime-specific JSON document. containerd puts the CRI config there
 *   (config.linux.security_context.selinux_options: what was asked for)
 *   and the OCI spec (runtimeSpec.process.selinuxLabel: the label the
 *   process got; absent when SELinux is disabled). CRI-O's document has
 *   runtimeSpec too. Neither field changes after creation, so one verbose
 *   call per container or sandbox lifetime is enough.
 */
import type { CriContainer, CriContainerEventResponse, CriContainerStatus, CriPodSandbox } from './cri-types.js';
import { dateFromNanos, isObject, objectAt, stringAt } from './json.js';
import { effectiveLevel } from './selinux.js';
import type { PodInfo, RuntimeEvent, RuntimeEventType, RuntimeWorkload, SelinuxOptions, WorkloadState } from './types.js';

/** `state`: a CriContainerState, or a state a newer runtime added. */
export function criContainerState(state: string): WorkloadState {
  switch (state) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** A ready sandbox has its infra process (or at least its namespaces) in place; a not-ready one was stopped. */
export function criSandboxState(state: string): WorkloadState {
  switch (state) {
    case 'SANDBOX_READY':
      return 'running';
    case 'SANDBOX_NOTREADY':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** What the verbose status tells about SELinux. */
export interface CriSelinux {
  readonly processLabel: string | undefined;
  readonly requested: SelinuxOptions | undefined;
}

export const NO_SELINUX: CriSelinux = { processLabel: undefined, requested: undefined };

/** Reads info["info"] of a verbose ContainerStatus or PodSandboxStatus; an unreadable document tells nothing. */
export function criSelinuxFromInfo(info: Readonly<Record<string, string>> | undefined): CriSelinux {
  const text = info?.info;
  if (!text) return NO_SELINUX;
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch {
    return NO_SELINUX;
  }
  const processLabel = stringAt(objectAt(objectAt(doc, 'runtimeSpec'), 'process'), 'selinuxLabel');
  const options = objectAt(objectAt(objectAt(objectAt(doc, 'config'), 'linux'), 'security_context'), 'selinux_options');
  let requested: SelinuxOptions | undefined;
  if (isObject(options)) {
    const r = {
      user: stringAt(options, 'user') ?? '',
      role: stringAt(options, 'role') ?? '',
      type: stringAt(options, 'type') ?? '',
      level: stringAt(options, 'level') ?? '',
    };
    if (r.user || r.role || r.type || r.level) requested = r;
  }
  return { processLabel: processLabel || undefined, requested };
}

export function podInfoOf(sandbox: Pick<CriPodSandbox, 'id' | 'metadata'>): PodInfo {
  const m = sandbox.metadata;
  return {
    id: sandbox.id,
    name: m?.name || undefined,
    ...(m?.uid ? { uid: m.uid } : {}),
    ...(m?.namespace ? { namespace: m.namespace } : {}),
    ...(m ? { attempt: m.attempt } : {}),
  };
}

function selinuxFields(selinux: CriSelinux | undefined): Partial<RuntimeWorkload> {
  if (!selinux) return {};
  const level = effectiveLevel(selinux.processLabel, selinux.requested);
  return {
    ...(selinux.processLabel ? { processLabel: selinux.processLabel } : {}),
    ...(selinux.requested ? { requestedSelinux: selinux.requested } : {}),
    ...(level ?? {}),
  };
}

export function criSandboxWorkload(sandbox: CriPodSandbox, selinux: CriSelinux | undefined): RuntimeWorkload {
  const createdAt = dateFromNanos(sandbox.created_at);
  return {
    id: sandbox.id,
    name: sandbox.metadata?.name ?? sandbox.id.slice(0, 12),
    role: 'sandbox',
    state: criSandboxState(sandbox.state),
    runtimeState: sandbox.state,
    labels: { ...sandbox.labels },
    annotations: { ...sandbox.annotations },
    ...selinuxFields(selinux),
    pod: podInfoOf(sandbox),
    ...(createdAt ? { createdAt } : {}),
  };
}

/**
 * A container; `sandbox` is its pod sandbox when known (undefined: the
 * sandbox went away between the two list calls, the pod is then known by
 * id only).
 */
export function criContainerWorkload(
  container: CriContainer,
  sandbox: Pick<CriPodSandbox, 'id' | 'metadata'> | undefined,
  selinux: CriSelinux | undefined,
): RuntimeWorkload {
  const createdAt = dateFromNanos(container.created_at);
  const image = container.image?.image;
  return {
    id: container.id,
    name: container.metadata?.name ?? container.id.slice(0, 12),
    role: 'container',
    state: criContainerState(container.state),
    runtimeState: container.state,
    labels: { ...container.labels },
    annotations: { ...container.annotations },
    ...selinuxFields(selinux),
    pod: sandbox ? podInfoOf(sandbox) : { id: container.pod_sandbox_id, name: undefined },
    ...(image ? { image } : {}),
    ...(createdAt ? { createdAt } : {}),
  };
}

/** `type`: a CriEventType, or one a newer runtime added. */
export function criEventType(type: string): RuntimeEventType {
  switch (type) {
    case 'CONTAINER_CREATED_EVENT':
      return 'created';
    case 'CONTAINER_STARTED_EVENT':
      return 'started';
    case 'CONTAINER_STOPPED_EVENT':
      return 'died';
    case 'CONTAINER_DELETED_EVENT':
      return 'removed';
    default:
      return 'other';
  }
}

/**
 * One GetContainerEvents message. Runtimes send sandbox events on the same
 * stream with the sandbox id as container_id (and the sandbox status).
 */
export function criEvent(e: CriContainerEventResponse, now: Date = new Date()): RuntimeEvent {
  const sandbox = e.pod_sandbox_status;
  const isSandbox = !!sandbox && sandbox.id === e.container_id;
  const status: CriContainerStatus | undefined = e.containers_statuses.find((s) => s.id === e.container_id);
  const type = criEventType(e.container_event_type);
  const name = isSandbox ? sandbox.metadata?.name : status?.metadata?.name;
  return {
    type,
    id: e.container_id,
    role: isSandbox ? 'sandbox' : 'container',
    raw: e.container_event_type,
    source: 'stream',
    time: dateFromNanos(e.created_at) ?? now,
    ...(name ? { name } : {}),
    ...(type === 'died' && status && status.finished_at !== '0' ? { exitCode: status.exit_code } : {}),
    ...(sandbox?.id ? { podId: sandbox.id } : {}),
    ...(status ? { labels: { ...status.labels } } : isSandbox ? { labels: { ...sandbox.labels } } : {}),
  };
}
