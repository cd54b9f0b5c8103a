/**
 * What the admission webhook reads from a Kubernetes pod (core/v1 Pod, as
 * JSON in an AdmissionReview): the levels it names, the claims it mounts,
 * who owns it, and the facts that tell a final delete. Pure: no I/O.
 *
 * A pod that is not shaped like a pod (a field of the wrong JSON type) is a
 * PodShapeError naming the field; the webhook answers it with a refusal
 * (status 400), never a crash.
 */

export class PodShapeError extends Error {
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.name = 'PodShapeError';
  }
}

/** A level named somewhere in the pod, with where (a JSON path for messages). */
export interface NamedLevel {
  readonly field: string;
  readonly text: string;
}

export interface PodSelinux {
  readonly user?: string;
  readonly role?: string;
  readonly type?: string;
  readonly level?: string;
}

export interface PodFacts {
  readonly namespace: string;
  /** Undefined on a CREATE with only generateName. */
  readonly name: string | undefined;
  readonly generateName: string | undefined;
  readonly uid: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  readonly hasAnnotations: boolean;
  /** spec.securityContext exists (an object). */
  readonly hasSecurityContext: boolean;
  /** spec.securityContext.seLinuxOptions exists (an object). */
  readonly podSelinux: PodSelinux | undefined;
  /** Every level named: pod level first, then containers, init containers, ephemeral containers. */
  readonly levels: readonly NamedLevel[];
  /** PersistentVolumeClaim names the pod mounts (sorted, unique), ephemeral volumes as <pod>-<volume> when the name is known. */
  readonly claims: readonly string[];
  /** spec.securityContext.seLinuxChangePolicy ("Recursive", "MountOption") when set. */
  readonly changePolicy: string | undefined;
  /** Name of the owning StatefulSet (a controller ownerReference of kind StatefulSet). */
  readonly statefulSet: string | undefined;
  readonly windows: boolean;
  readonly nodeName: string | undefined;
  readonly phase: string | undefined;
  readonly deletionTimestamp: string | undefined;
  readonly terminationGracePeriodSeconds: number | undefined;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(parent: Json, key: string, field: string): Json | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new PodShapeError(field, 'must be an object');
  return v;
}

function array(parent: Json, key: string, field: string): unknown[] {
  const v = parent[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PodShapeError(field, 'must be an array');
  return v;
}

function string(parent: Json, key: string, field: string): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new PodShapeError(field, 'must be a string');
  return v;
}

function stringMap(parent: Json, key: string, field: string): Record<string, string> | undefined {
  const o = object(parent, key, field);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string') throw new PodShapeError(`${field}.${k}`, 'must be a string');
    out[k] = v;
  }
  return out;
}

function selinuxOf(parent: Json | undefined, field: string): PodSelinux | undefined {
  if (!parent) return undefined;
  const o = object(parent, 'seLinuxOptions', `${field}.seLinuxOptions`);
  if (!o) return undefined;
  const out: { user?: string; role?: string; type?: string; level?: string } = {};
  for (const k of ['user', 'role', 'type', 'level'] as const) {
    const v = string(o, k, `${field}.seLinuxOptions.${k}`);
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

/** DNS-1123 names as Kubernetes allows them in metadata (subdomain: up to 253). */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A generateName is a name prefix: it may end with "-" (and is cut to leave room for 5 characters). */
const GENERATE_NAME = /^[a-z0-9][-a-z0-9.]{0,252}$/;

/**
 * The facts of a pod. `requestNamespace` is the AdmissionReview's
 * request.namespace: a CREATE may leave metadata.namespace unset.
 */
export function podFacts(pod: unknown, requestNamespace: string): PodFacts {
  if (!isObject(pod)) throw new PodShapeError('object', 'must be a Pod object');
  if (pod.kind !== undefined && pod.kind !== 'Pod') throw new PodShapeError('object.kind', `must be Pod, not ${JSON.stringify(pod.kind)}`);
  const metadata = object(pod, 'metadata', 'metadata') ?? {};
  const spec = object(pod, 'spec', 'spec');
  if (!spec) throw new PodShapeError('spec', 'is required');
  const namespace = string(metadata, 'namespace', 'metadata.namespace') || requestNamespace;
  if (!NAMESPACE.test(namespace)) throw new PodShapeError('metadata.namespace', `${JSON.stringify(namespace)} is not a namespace name`);
  const name = string(metadata, 'name', 'metadata.name') || undefined;
  if (name !== undefined && !NAME.test(name)) throw new PodShapeError('metadata.name', `${JSON.stringify(name)} is not a pod name`);
  const generateName = string(metadata, 'generateName', 'metadata.generateName') || undefined;
  if (generateName !== undefined && !GENERATE_NAME.test(generateName)) {
    throw new PodShapeError('metadata.generateName', `${JSON.stringify(generateName)} is not a name prefix`);
  }
  const annotations = stringMap(metadata, 'annotations', 'metadata.annotations');

  const securityContext = object(spec, 'securityContext', 'spec.securityContext');
  const podSelinux = selinuxOf(securityContext, 'spec.securityContext');
  const levels: NamedLevel[] = [];
  if (podSelinux?.level) levels.push({ field: 'spec.securityContext.seLinuxOptions.level', text: podSelinux.level });
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    for (const [i, c] of array(spec, list, `spec.${list}`).entries()) {
      const field = `spec.${list}[${i}]`;
      if (!isObject(c)) throw new PodShapeError(field, 'must be an object');
      const sc = object(c, 'securityContext', `${field}.securityContext`);
      const level = selinuxOf(sc, `${field}.securityContext`)?.level;
      if (level) levels.push({ field: `${field}.securityContext.seLinuxOptions.level`, text: level });
    }
  }
  if (array(spec, 'containers', 'spec.containers').length === 0)
    throw new PodShapeError('spec.containers', 'must name at least one container');

  const claims = new Set<string>();
  for (const [i, v] of array(spec, 'volumes', 'spec.volumes').entries()) {
    const field = `spec.volumes[${i}]`;
    if (!isObject(v)) throw new PodShapeError(field, 'must be an object');
    const pvc = object(v, 'persistentVolumeClaim', `${field}.persistentVolumeClaim`);
    if (pvc) {
      const claim = string(pvc, 'claimName', `${field}.persistentVolumeClaim.claimName`);
      if (!claim || !NAME.test(claim)) throw new PodShapeError(`${field}.persistentVolumeClaim.claimName`, 'must be a claim name');
      claims.add(claim);
    }
    // A generic ephemeral volume is a claim named <pod>-<volume>: known
    // only when the pod's name is (not with generateName at CREATE).
    if (object(v, 'ephemeral', `${field}.ephemeral`) && name !== undefined) {
      const volume = string(v, 'name', `${field}.name`);
      if (volume && NAME.test(`${name}-${volume}`)) claims.add(`${name}-${volume}`);
    }
  }

  let statefulSet: string | undefined;
  for (const [i, o] of array(metadata, 'ownerReferences', 'metadata.ownerReferences').entries()) {
    if (!isObject(o)) throw new PodShapeError(`metadata.ownerReferences[${i}]`, 'must be an object');
    if (
      o.kind === 'StatefulSet' &&
      o.controller === true &&
      typeof o.name === 'string' &&
      typeof o.apiVersion === 'string' &&
      o.apiVersion.startsWith('apps/')
    ) {
      statefulSet = o.name;
    }
  }

  const status = object(pod, 'status', 'status');
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== null && !(typeof grace === 'number' && Number.isInteger(grace))) {
    throw new PodShapeError('spec.terminationGracePeriodSeconds', 'must be a whole number');
  }
  const os = object(spec, 'os', 'spec.os');
  return {
    namespace,
    name,
    generateName,
    uid: string(metadata, 'uid', 'metadata.uid') || undefined,
    annotations: annotations ?? {},
    hasAnnotations: annotations !== undefined,
    hasSecurityContext: securityContext !== undefined,
    podSelinux:
      securityContext && object(securityContext, 'seLinuxOptions', 'spec.securityContext.seLinuxOptions') ? (podSelinux ?? {}) : undefined,
    levels,
    claims: [...claims].sort(),
    changePolicy: securityContext
      ? string(securityContext, 'seLinuxChangePolicy', 'spec.securityContext.seLinuxChangePolicy') || undefined
      : undefined,
    statefulSet,
    windows: os ? string(os, 'name', 'spec.os.name') === 'windows' : false,
    nodeName: string(spec, 'nodeName', 'spec.nodeName') || undefined,
    phase: status ? string(status, 'phase', 'status.phase') || undefined : undefined,
    deletionTimestamp: string(metadata, 'deletionTimestamp', 'metadata.deletionTimestamp') || undefined,
    terminationGracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
  };
}
