/**
 * Podman's libpod REST API JSON, mapped to the runtime-neutral types. Pure:
 * the HTTP side is in podman.ts.
 *
 * What each call gives (Podman 4.3, read from the libpod handlers and
 * checked against a running service):
 * - GET /libpod/containers/json?all=true: Id, Names, State, Labels (null
 *   when none), Pid, Pod, PodName, IsInfra, Image, Created. No annotations
 *   and no ProcessLabel.
 * - GET /libpod/containers/{id}/json (inspect): Config.Annotations (with
 *   Podman's own io.podman.annotations.* and io.kubernetes.cri-o.*),
 *   ProcessLabel ("" when SELinux is disabled or the container runs with
 *   label=disable), MountLabel, State.Pid, State.ConmonPid. Both fields are
 *   fixed when the container is created, so one inspect per container
 *   lifetime is enough.
 * - GET /libpod/events: one JSON object per line, Docker-shaped: status,
 *   id, Type, Actor.Attributes (the container's labels plus image, name,
 *   containerExitCode and podId), time, timeNano.
 */
import { parse as parseLossless, parseNumberAndBigInt } from 'lossless-json';
import { dateFrom, isObject, numberAt, objectAt, stringAt, stringMapAt } from './json.js';
import { levelOfLabel } from './selinux.js';
import type { RuntimeEvent, RuntimeEventType, RuntimeWorkload, WorkloadState } from './types.js';

/** Podman's container states (libpod/define/containerstate.go) as lease states. */
export function podmanState(state: string): WorkloadState {
  switch (state) {
    case 'created': // configured in the database, no OCI container yet
    case 'initialized': // the OCI container exists, its process has not been started
      return 'created';
    case 'running':
    case 'paused':
    case 'stopping': // still running until the stop completes
      return 'running';
    case 'stopped': // exited, not yet cleaned up
    case 'exited':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** What only inspect tells, fixed for the container's lifetime. */
export interface PodmanDetails {
  readonly annotations: Record<string, string>;
  /** undefined when Podman reports "" (no label). */
  readonly processLabel: string | undefined;
}

export function podmanDetailsFromInspect(inspect: unknown): PodmanDetails {
  const processLabel = stringAt(inspect, 'ProcessLabel');
  return {
    annotations: stringMapAt(objectAt(inspect, 'Config'), 'Annotations'),
    processLabel: processLabel ? processLabel : undefined,
  };
}

/**
 * One entry of the list response, with the inspect details when known
 * (undefined: the container went away before it could be inspected).
 */
export function podmanWorkload(entry: unknown, details: PodmanDetails | undefined): RuntimeWorkload | undefined {
  const id = stringAt(entry, 'Id');
  if (!id || !isObject(entry)) return undefined;
  const names = Array.isArray(entry.Names) ? entry.Names.filter((n): n is string => typeof n === 'string') : [];
  const runtimeState = stringAt(entry, 'State') ?? '';
  const state = podmanState(runtimeState);
  const pid = numberAt(entry, 'Pid');
  const podId = stringAt(entry, 'Pod');
  const image = stringAt(entry, 'Image');
  const createdAt = dateFrom(stringAt(entry, 'Created'));
  const level = levelOfLabel(details?.processLabel);
  return {
    id,
    name: names[0] ?? id.slice(0, 12),
    role: entry.IsInfra === true ? 'sandbox' : 'container',
    state,
    runtimeState,
    labels: stringMapAt(entry, 'Labels'),
    annotations: details?.annotations,
    ...(details?.processLabel ? { processLabel: details.processLabel } : {}),
    ...(level ? { level, levelSource: 'process-label' as const } : {}),
    ...(pid && state === 'running' ? { pid } : {}),
    ...(podId ? { pod: { id: podId, name: stringAt(entry, 'PodName') || undefined } } : {}),
    ...(image ? { image } : {}),
    ...(createdAt ? { createdAt } : {}),
  };
}

/**
 * Podman event statuses as lease events. Only these four change what a
 * lease should be; everything else (init, attach, kill, stop, cleanup,
 * sync, exec, exec_died, health_status, pause, ...) is "other": kill and
 * stop come before the death, which has its own "died"; exec_died is an exec
 * session ending, not the container.
 */
export function podmanEventType(status: string): RuntimeEventType {
  switch (status) {
    case 'create':
      return 'created';
    case 'start':
      return 'started';
    case 'died':
      return 'died';
    case 'remove':
      return 'removed';
    default:
      return 'other';
  }
}

/**
 * Podman reports a failed start (the OCI runtime could not start the
 * process) as create and cleanup, with no died in between. The process is
 * gone at every cleanup, so a cleanup that follows no death becomes the
 * death; after a normal death it stays "other" (no second death).
 */
export class PodmanDeathTracker {
  private readonly dead = new Set<string>();

  refine(e: RuntimeEvent): RuntimeEvent {
    switch (e.raw) {
      case 'create':
      case 'init':
      case 'start':
      case 'remove':
        this.dead.delete(e.id);
        return e;
      case 'died':
        this.dead.add(e.id);
        return e;
      case 'cleanup':
        if (this.dead.has(e.id)) return e;
        this.dead.add(e.id);
        return { ...e, type: 'died' };
      default:
        return e;
    }
  }
}

/** Attributes Podman adds to every container event; the rest are the container's labels. */
const EVENT_ATTRIBUTES = new Set(['image', 'name', 'containerExitCode', 'podId']);

export interface PodmanEventRecord {
  /** undefined for events that are not about a container. */
  readonly event: RuntimeEvent | undefined;
  /** The event's time in nanoseconds since the epoch, exactly as Podman wrote it. */
  readonly timeNano: bigint | undefined;
  /** Tells two events apart when a replay repeats the ones at the last seen time. */
  readonly key: string;
}

/**
 * One line of the event stream. timeNano does not fit a double, so the line
 * is parsed keeping big integers exact (a replay after a reconnect starts at
 * that time).
 */
export function parsePodmanEventLine(line: string): PodmanEventRecord {
  const obj = parseLossless(line, null, parseNumberAndBigInt);
  return podmanEventRecord(obj);
}

export function podmanEventRecord(obj: unknown): PodmanEventRecord {
  const status = stringAt(obj, 'status') ?? stringAt(obj, 'Action') ?? '';
  const actor = objectAt(obj, 'Actor');
  const id = stringAt(actor, 'ID') ?? stringAt(obj, 'id') ?? '';
  const timeNano = bigintAt(obj, 'timeNano') ?? secondsToNanos(numberAt(obj, 'time'));
  const key = `${timeNano ?? ''}/${id}/${status}`;
  const type = stringAt(obj, 'Type') ?? stringAt(obj, 'type');
  if (type !== 'container' || !id) return { event: undefined, timeNano, key };

  const attributes = stringMapAt(actor, 'Attributes');
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) if (!EVENT_ATTRIBUTES.has(k)) labels[k] = v;
  const eventType = podmanEventType(status);
  const exitCode = numberAt(attributes, 'containerExitCode');
  const name = attributes.name;
  const podId = attributes.podId;
  const event: RuntimeEvent = {
    type: eventType,
    id,
    // Events do not say whether the container is a pod's infra container.
    role: 'container',
    raw: status,
    source: 'stream',
    time: timeNano !== undefined ? new Date(Number(timeNano / 1_000_000n)) : new Date(),
    ...(name ? { name } : {}),
    // The exit code is meaningful for a death only; Podman puts 0 on every event.
    ...(eventType === 'died' && exitCode !== undefined ? { exitCode } : {}),
    ...(podId ? { podId } : {}),
    labels,
  };
  return { event, timeNano, key };
}

function bigintAt(o: unknown, key: string): bigint | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return undefined;
}

function secondsToNanos(seconds: number | undefined): bigint | undefined {
  return seconds === undefined ? undefined : BigInt(Math.trunc(seconds)) * 1_000_000_000n;
}

/**
 * RFC 3339 with nanoseconds, the form Podman's `since` parses without
 * rounding (a decimal number of seconds goes through a double).
 */
export function rfc3339Nano(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = nanos % 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/**
 * Where a reconnected event stream resumes, and which events it already
 * delivered. Podman's `since` is exclusive and events from several writers
 * (the service, the CLI, conmon's cleanup) reach the log slightly out of
 * time order, so a reconnection asks for a window before the newest event
 * seen and drops the events it already delivered by key. Nothing from
 * before the watch began is delivered.
 */
export class ReplayCursor {
  private newest: bigint | undefined;
  private readonly seen = new Map<string, bigint>();

  constructor(
    private readonly floorNano: bigint,
    private readonly windowNano: bigint = 5_000_000_000n,
  ) {}

  /** The `since` parameter for a reconnection. */
  since(): string {
    let from = (this.newest ?? this.floorNano) - this.windowNano;
    if (from < this.floorNano) from = this.floorNano;
    return rfc3339Nano(from - 1n);
  }

  /** True if the record is to be delivered (and remembers it); false for a repeat or an event before the watch. */
  admit(record: Pick<PodmanEventRecord, 'timeNano' | 'key'>): boolean {
    const t = record.timeNano;
    if (t === undefined) return true;
    if (t < this.floorNano || this.seen.has(record.key)) return false;
    this.seen.set(record.key, t);
    if (this.newest === undefined || t > this.newest) {
      this.newest = t;
      const oldest = t - this.windowNano;
      for (const [k, at] of this.seen) if (at < oldest) this.seen.delete(k);
    }
    return true;
  }
}
