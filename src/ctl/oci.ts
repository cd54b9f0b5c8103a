/**
 * OCI runtime integration, the pure part: reading an OCI runtime config or
 * state document without losing anything, deciding which workload it is and
 * what to ask the service for, and writing the lease's labels back.
 *
 * Both hook stages derive the workload the same way, so the lease precreate
 * takes is the one poststop gives back:
 *
 *   1. the annotation io.mcs-allocator.workload-id;
 *   2. the --workload flag of the hook;
 *   3. the container id: precreate reads it from the annotation
 *      io.kubernetes.cri-o.ContainerID or, for Podman, from the 64-hex id in
 *      linux.cgroupsPath (`machine.slice:libpod:<id>`, `.../libpod-<id>`);
 *      poststop reads the state's `id`, which is the same id.
 *
 * The host is --host, else os.hostname(), in both stages.
 */
import { hostname } from 'node:os';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { AllocateRequest } from '../generated/mcs/v1/AllocateRequest.js';
import type { Lease__Output } from '../generated/mcs/v1/Lease.js';
import type { Volume } from '../generated/mcs/v1/Volume.js';
import type { VolumePlan__Output } from '../generated/mcs/v1/VolumePlan.js';
import { canonicalLevel } from '../domain/level.js';
import { UsageError } from './client.js';
import { parseBoolean, parseInteger, parseVolume, parseVolumeList } from './args.js';
import { contextParts } from './format.js';

/** The annotations mcsctl reads (and, for volume-plan and lease-id, writes). */
export const ANNOTATIONS = {
  workloadId: 'io.mcs-allocator.workload-id',
  volumes: 'io.mcs-allocator.volumes',
  shareWith: 'io.mcs-allocator.share-with',
  level: 'io.mcs-allocator.level',
  type: 'io.mcs-allocator.type',
  ttl: 'io.mcs-allocator.ttl',
  storageId: 'io.mcs-allocator.storage-id',
  disable: 'io.mcs-allocator.disable',
  stableKey: 'io.mcs-allocator.stable-key',
  stableRetention: 'io.mcs-allocator.stable-retention',
  /** Written by precreate: the VolumePlan as JSON, for a later hook to act on. */
  volumePlan: 'io.mcs-allocator.volume-plan',
  /** Written by precreate: the lease the container runs under. */
  leaseId: 'io.mcs-allocator.lease-id',
} as const;

/** CRI-O's annotation carrying the container id. */
export const CRIO_CONTAINER_ID = 'io.kubernetes.cri-o.ContainerID';

/** Ten years, the service's bound on ttl_seconds. */
const MAX_TTL = 10 * 365 * 24 * 3600;

export type Document = Record<string, unknown>;

/** Documents JSON.parse read exactly (see parseDocument); they are written back with JSON.stringify. */
const plainDocuments = new WeakSet<Document>();

/**
 * JSON.parse and JSON.stringify give back every value that was read unless
 * a number (outside strings) has 16 digits or more, which a double may
 * round, or an exponent, which may overflow. (Keys that look like array
 * indexes come first in any JavaScript object, whichever parser made it.)
 */
export function plainJsonIsExact(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let digits = 0;
    let j = i;
    for (; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d >= 0x30 && d <= 0x39) digits++;
      else if (d === 0x65 || d === 0x45)
        return false; // e, E
      else if (d !== 0x2d && d !== 0x2b && d !== 0x2e) break; // - + .
    }
    if (digits >= 16) return false;
    i = j - 1;
  }
  return true;
}

/**
 * Parses a JSON object keeping every number exactly as written (OCI configs
 * may hold 64-bit values such as memory limits and rlimits that a double
 * would round) and every key in its order. Where plain JSON is exact (the
 * usual Podman config) it is used: it is some 15 times faster than the
 * lossless parser, which counts on every container start.
 */
export function parseDocument(text: string, what: string): Document {
  const plain = plainJsonIsExact(text);
  let value: unknown;
  try {
    value = plain ? JSON.parse(text) : parseLossless(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${what} is not a JSON object`);
  if (plain) plainDocuments.add(value as Document);
  return value as Document;
}

export function stringifyDocument(doc: Document): string {
  return plainDocuments.has(doc) ? JSON.stringify(doc) : (stringifyLossless(doc) ?? '');
}

function objectAt(doc: Document, key: string): Document | undefined {
  const v = doc[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Document) : undefined;
}

function stringAt(doc: Document | undefined, key: string): string | undefined {
  const v = doc?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** The document's string annotations. */
export function annotationsOf(doc: Document): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectAt(doc, 'annotations') ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The container id an OCI runtime config carries, when it carries one. */
export function containerIdOf(config: Document): string | undefined {
  const crio = annotationsOf(config)[CRIO_CONTAINER_ID];
  if (crio) return crio;
  const cgroupsPath = stringAt(objectAt(config, 'linux'), 'cgroupsPath');
  if (!cgroupsPath) return undefined;
  const ids = cgroupsPath.match(/(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g);
  return ids?.[ids.length - 1];
}

export interface HookFlags {
  readonly host?: string | undefined;
  readonly workload?: string | undefined;
}

export interface Identity {
  readonly host: string;
  readonly workloadId: string;
  /** Where the workload id came from, for messages. */
  readonly source: string;
}

function hostOf(flags: HookFlags): string {
  return flags.host || hostname();
}

const NO_IDENTITY =
  `cannot tell which workload this is: set the annotation ${ANNOTATIONS.workloadId}, pass --workload, ` +
  "or run under a runtime that names the container (CRI-O's container id annotation, Podman's cgroup path)";

export function precreateIdentity(config: Document, flags: HookFlags): Identity {
  const host = hostOf(flags);
  const fromAnnotation = annotationsOf(config)[ANNOTATIONS.workloadId];
  if (fromAnnotation) return { host, workloadId: fromAnnotation, source: `annotation ${ANNOTATIONS.workloadId}` };
  if (flags.workload) return { host, workloadId: flags.workload, source: '--workload' };
  const id = containerIdOf(config);
  if (id) return { host, workloadId: id, source: 'container id' };
  throw new UsageError(NO_IDENTITY);
}

export function poststopIdentity(state: Document, flags: HookFlags): Identity {
  const host = hostOf(flags);
  const fromAnnotation = annotationsOf(state)[ANNOTATIONS.workloadId];
  if (fromAnnotation) return { host, workloadId: fromAnnotation, source: `annotation ${ANNOTATIONS.workloadId}` };
  if (flags.workload) return { host, workloadId: flags.workload, source: '--workload' };
  const id = stringAt(state, 'id');
  if (id) return { host, workloadId: id, source: 'container id' };
  throw new UsageError(NO_IDENTITY);
}

/**
 * A level as an annotation gives it. `podman run --annotation` splits its
 * value on commas, so `+` stands for `,` between categories:
 * `s0:c1+c2` is `s0:c1,c2`, `s0:c0.c3+c7` is `s0:c0.c3,c7`. A name from
 * setrans.conf (no `sN:` in front) is passed on as written.
 */
export function annotationLevel(value: string): string {
  const text = value.trim();
  if (!/^s\d+(-s\d+)?:/.test(text)) return text;
  return text.replace(/\+/g, ',');
}

/** Prefix of the one-volume-per-annotation form: io.mcs-allocator.volume.NAME=/data:Z. */
export const VOLUME_PREFIX = 'io.mcs-allocator.volume.';

/**
 * Volumes from the annotations: one per `io.mcs-allocator.volume.NAME`
 * annotation (the form `podman run --annotation` takes as is; ordered by
 * NAME), then the comma-separated list of `io.mcs-allocator.volumes`
 * (runtimes that pass values intact). `io.mcs-allocator.storage-id`
 * applies to all of them.
 */
export function annotationVolumes(ann: Readonly<Record<string, string>>): Volume[] {
  const storageId = ann[ANNOTATIONS.storageId] ?? '';
  const single = Object.keys(ann)
    .filter((k) => k.startsWith(VOLUME_PREFIX) && k.length > VOLUME_PREFIX.length)
    .sort()
    .map((k) => parseVolume(ann[k]!.trim(), storageId, `annotation ${k}`));
  const list = ann[ANNOTATIONS.volumes] ? parseVolumeList(ann[ANNOTATIONS.volumes]!, storageId, `annotation ${ANNOTATIONS.volumes}`) : [];
  return [...single, ...list];
}

export interface PrecreateFlags extends HookFlags {
  /** Process type that means "no separation" (the service's --privileged-type). */
  readonly privilegedType: string;
}

export interface PrecreatePlan {
  readonly identity: Identity;
  readonly request: AllocateRequest & { volumes: Volume[] };
  /**
   * random: a fresh pair; static: a level the config or an annotation names
   * (the runtime may already have mounted the rootfs with it); disabled: no
   * separation; join: a pod member sharing another lease.
   */
  readonly mode: 'random' | 'static' | 'disabled' | 'join';
  /** The level the lease must have, when the config or an annotation fixes it. */
  readonly level?: string;
}

function sameLevel(a: string, b: string): boolean {
  try {
    return canonicalLevel(a) === canonicalLevel(b);
  } catch {
    return a === b;
  }
}

/** A level with categories (s0:c1,c2), as opposed to a bare sensitivity (s0). */
function hasCategories(level: string): boolean {
  return /:c\d/.test(level);
}

/** What to ask the service for, from the config's labels and its annotations. */
export function precreatePlan(config: Document, flags: PrecreateFlags): PrecreatePlan {
  const identity = precreateIdentity(config, flags);
  const ann = annotationsOf(config);
  const volumes = annotationVolumes(ann);
  const ttl = ann[ANNOTATIONS.ttl] ? parseInteger(`annotation ${ANNOTATIONS.ttl}`, ann[ANNOTATIONS.ttl]!, 0, MAX_TTL) : 0;
  const disable = ann[ANNOTATIONS.disable] ? parseBoolean(`annotation ${ANNOTATIONS.disable}`, ann[ANNOTATIONS.disable]!) : false;
  const shareWith = ann[ANNOTATIONS.shareWith] ?? '';
  const annLevel = ann[ANNOTATIONS.level] ? annotationLevel(ann[ANNOTATIONS.level]!) : undefined;
  const annType = ann[ANNOTATIONS.type] || undefined;
  const stableKey = ann[ANNOTATIONS.stableKey] ?? '';
  const stableRetention = ann[ANNOTATIONS.stableRetention]
    ? parseInteger(`annotation ${ANNOTATIONS.stableRetention}`, ann[ANNOTATIONS.stableRetention]!, 1, MAX_TTL)
    : 0;
  if (stableRetention && !stableKey) throw new UsageError(`annotation ${ANNOTATIONS.stableRetention} needs ${ANNOTATIONS.stableKey}`);

  const processLabel = stringAt(objectAt(config, 'process'), 'selinuxLabel') || undefined;
  const mountLabel = stringAt(objectAt(config, 'linux'), 'mountLabel') || undefined;
  const proc = processLabel ? contextParts(processLabel) : undefined;
  if (processLabel && !proc) throw new UsageError(`process.selinuxLabel ${JSON.stringify(processLabel)} is not user:role:type:level`);
  const mount = mountLabel ? contextParts(mountLabel) : undefined;
  if (mountLabel && !mount) throw new UsageError(`linux.mountLabel ${JSON.stringify(mountLabel)} is not user:role:type:level`);

  const base = { host: identity.host, workload_id: identity.workloadId, ttl_seconds: ttl, volumes };
  const privileged = proc?.type === flags.privilegedType;

  if (disable || (privileged && !annLevel && !annType)) {
    const extra = [shareWith && ANNOTATIONS.shareWith, annLevel && ANNOTATIONS.level, annType && ANNOTATIONS.type].filter(Boolean);
    if (disable && extra.length > 0) throw new UsageError(`annotation ${ANNOTATIONS.disable} cannot be combined with ${extra.join(', ')}`);
    if (stableKey) throw new UsageError(`annotation ${ANNOTATIONS.stableKey}: a disabled label takes no pair to hold`);
    if (!disable && shareWith)
      throw new UsageError(`a privileged (${flags.privilegedType}) container cannot join a lease with ${ANNOTATIONS.shareWith}`);
    return { identity, mode: 'disabled', request: { ...base, options: { disable: true } } };
  }

  const configLevel = proc && hasCategories(proc.level) ? proc.level : undefined;
  if (annLevel && configLevel && !sameLevel(annLevel, configLevel)) {
    throw new UsageError(
      `annotation ${ANNOTATIONS.level}=${annLevel} differs from the level the runtime already set (${configLevel}); ` +
        'give the runtime that level instead (podman --security-opt label=level:...)',
    );
  }
  const level = annLevel ?? configLevel;

  if (shareWith) {
    if (annType)
      throw new UsageError(
        `annotation ${ANNOTATIONS.type} cannot be combined with ${ANNOTATIONS.shareWith} (the pod shares the lease's label)`,
      );
    if (stableKey)
      throw new UsageError(
        `annotation ${ANNOTATIONS.stableKey} cannot be combined with ${ANNOTATIONS.shareWith} (the pod's lease carries its key)`,
      );
    return {
      identity,
      mode: 'join',
      ...(level ? { level } : {}),
      request: { ...base, share_with: shareWith, options: level ? { level } : {} },
    };
  }

  // Keep what the runtime chose (user, role, type, file type) so that the
  // service checks it against its allowlists and records it.
  const options = {
    user: proc?.user ?? '',
    role: proc?.role ?? '',
    type: annType ?? (proc && !privileged ? proc.type : ''),
    filetype: mount?.type ?? '',
    level: level ?? '',
  };
  const stable = stableKey ? { stable_key: stableKey, stable_retention_seconds: stableRetention } : {};
  return { identity, mode: level ? 'static' : 'random', ...(level ? { level } : {}), request: { ...base, options, ...stable } };
}

/** True when an existing lease of the workload is the one the plan asks for (a retried or pre-allocated lease). */
export function leaseSatisfies(plan: PrecreatePlan, lease: Lease__Output): boolean {
  if (plan.mode === 'disabled') return lease.kind === 'DISABLED';
  if (plan.level === undefined || lease.kind === 'DISABLED') return false;
  return sameLevel(plan.level, lease.level);
}

/**
 * The config with the lease's labels: process.selinuxLabel and
 * linux.mountLabel, plus the lease id and (when volumes were asked for) the
 * volume plan as annotations. Everything else is left as it was, in order.
 */
export function applyLease(config: Document, lease: Lease__Output, plan: VolumePlan__Output | undefined): Document {
  const process = objectAt(config, 'process') ?? {};
  process.selinuxLabel = lease.process_label;
  config.process = process;
  const linux = objectAt(config, 'linux') ?? {};
  linux.mountLabel = lease.mount_label;
  config.linux = linux;
  const annotations = objectAt(config, 'annotations') ?? {};
  annotations[ANNOTATIONS.leaseId] = lease.lease_id;
  if (plan) annotations[ANNOTATIONS.volumePlan] = JSON.stringify(plan);
  config.annotations = annotations;
  return config;
}

/**
 * How a refused precreate tells the user why. Podman 4.3 discards a
 * precreate hook's stderr and shows only "executing [...]: exit status 1",
 * but it shows the runtime's error in full. So the refusal is a config whose
 * process cannot start, with the reason as the path to execute: runc then
 * fails with `exec: "/mcs-allocator refused this container: REASON/": ...
 * no such file or directory`. The trailing slash makes the path something
 * no execve can run, whatever the filesystem holds.
 */
export function refusalConfig(config: Document, reason: string): Document {
  const process = objectAt(config, 'process') ?? {};
  // One path component: at most 255 bytes (NAME_MAX), or the runtime reports
  // ENAMETOOLONG instead of the reason.
  process.args = [`/${fitBytes(`mcs-allocator refused this container: ${oneLine(reason)}`, 254)}/`];
  config.process = process;
  return config;
}

/** The text cut (with …) to at most max UTF-8 bytes. */
export function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > max) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A message as one line of bounded length (the user sees it in an error). */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
