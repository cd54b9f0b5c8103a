/**
 * The JSONPatch (RFC 6902) the mutating webhook answers: the pod's level
 * (and configured user, role, type) in spec.securityContext.seLinuxOptions,
 * created when absent, seLinuxChangePolicy when the policy needs it, and
 * the lease's annotations. Pure.
 */
import type { PodFacts } from './pod.js';

export interface PatchOperation {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}

/** One JSON Pointer token (RFC 6901): "~" is "~0", "/" is "~1". */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export interface PodLabel {
  readonly level: string;
  readonly user?: string;
  readonly role?: string;
  readonly type?: string;
  /** Set spec.securityContext.seLinuxChangePolicy to this (e.g. Recursive). */
  readonly changePolicy?: string;
}

/**
 * Operations that give the pod `label` and `annotations`. Fields the pod
 * sets itself (a user, role or type of its own) are left as they are; the
 * level is written unless the pod names it at pod level already.
 */
export function podPatch(
  pod: Pick<PodFacts, 'hasSecurityContext' | 'podSelinux' | 'hasAnnotations'>,
  label: PodLabel,
  annotations: Readonly<Record<string, string>>,
): PatchOperation[] {
  const ops: PatchOperation[] = [];
  const wanted: Record<string, string> = {};
  const current = pod.podSelinux ?? {};
  if (!current.level) wanted.level = label.level;
  for (const k of ['user', 'role', 'type'] as const) {
    const v = label[k];
    if (v && !current[k]) wanted[k] = v;
  }
  if (!pod.hasSecurityContext) {
    const sc: Record<string, unknown> = { seLinuxOptions: wanted };
    if (label.changePolicy) sc.seLinuxChangePolicy = label.changePolicy;
    ops.push({ op: 'add', path: '/spec/securityContext', value: sc });
  } else {
    if (!pod.podSelinux) ops.push({ op: 'add', path: '/spec/securityContext/seLinuxOptions', value: wanted });
    else for (const [k, v] of Object.entries(wanted)) ops.push({ op: 'add', path: `/spec/securityContext/seLinuxOptions/${k}`, value: v });
    if (label.changePolicy) ops.push({ op: 'add', path: '/spec/securityContext/seLinuxChangePolicy', value: label.changePolicy });
  }
  ops.push(...annotationPatch(pod, annotations));
  return ops;
}

export interface RemoveOperation {
  readonly op: 'remove';
  readonly path: string;
}

/** Operations that remove these annotations where the pod has them. */
export function annotationRemoval(annotations: Readonly<Record<string, string>>, keys: readonly string[]): RemoveOperation[] {
  return keys
    .filter((k) => annotations[k] !== undefined)
    .map((k) => ({ op: 'remove' as const, path: `/metadata/annotations/${pointerToken(k)}` }));
}

export function annotationPatch(pod: Pick<PodFacts, 'hasAnnotations'>, annotations: Readonly<Record<string, string>>): PatchOperation[] {
  const entries = Object.entries(annotations);
  if (entries.length === 0) return [];
  if (!pod.hasAnnotations) return [{ op: 'add', path: '/metadata/annotations', value: { ...annotations } }];
  return entries.map(([k, v]) => ({ op: 'add', path: `/metadata/annotations/${pointerToken(k)}`, value: v }));
}
