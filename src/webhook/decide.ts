/**
 * The admission webhook's decisions, as pure functions of the pod and the
 * configuration: which sharing policy applies, which workload id and
 * stable key a pod's lease is held under, which leases it must share, and
 * whether a DELETE is the pod's final one. The I/O is in admit.ts.
 *
 * Names of leases (all on the webhook's cluster host, `--host`):
 *   pod:<namespace>/<name>                  a pod (named at CREATE)
 *   pod:<namespace>/<generateName>#<id>     a pod created with generateName;
 *                                           id: 8 characters of the admission uid
 *   pvc:<namespace>/<claim>                 a claim: the lease pods mounting it share
 *   ns:<namespace>                          a namespace under the `namespace` policy
 * The claim and namespace names are members of the lease they anchor, so
 * the store's own (host, workload) index finds that lease.
 */
import { createHash } from 'node:crypto';
import { formatLevel } from '../domain/level.js';
import { OptionError, staticLevel, type OptionsPolicy } from '../domain/options.js';
import type { PodFacts } from './pod.js';

export const SHARING_POLICIES = ['pod', 'namespace', 'none'] as const;
export type SharingPolicy = (typeof SHARING_POLICIES)[number];

/** What to do with a pod whose claims are held by leases of different levels. */
export type ConflictPolicy = 'deny' | 'recursive';

export const ANNOTATIONS = {
  leaseId: 'io.mcs-allocator.lease-id',
  workloadId: 'io.mcs-allocator.workload-id',
  /** The anchors (claims, namespace) whose lease the pod shares, comma-separated: what the host agent needs to restore it. */
  shares: 'io.mcs-allocator.shares',
} as const;

export interface WebhookPolicy {
  readonly defaultPolicy: SharingPolicy;
  /** Per-namespace policies (--namespace-policy ns=policy). */
  readonly namespaces: ReadonlyMap<string, SharingPolicy>;
  /** Namespaces left alone whatever the policy (the service's own, kube-system). */
  readonly excluded: ReadonlySet<string>;
  readonly onConflict: ConflictPolicy;
  /** SELinux user, role and type written into every pod that sets none (so that labels compare fully). */
  readonly selinux: { readonly user?: string; readonly role?: string; readonly type?: string };
}

/**
 * The policy of a namespace: excluded namespaces are `none`; then a
 * policy the webhook path forces (/mutate/<policy>, for webhook entries
 * selecting namespaces by label), then --namespace-policy, then the default.
 */
export function policyFor(namespace: string, policy: WebhookPolicy, forced?: SharingPolicy): SharingPolicy {
  if (policy.excluded.has(namespace)) return 'none';
  return forced ?? policy.namespaces.get(namespace) ?? policy.defaultPolicy;
}

/** Workload ids and stable keys: at most 256 printable characters; longer ones keep a prefix and a digest. */
export const MAX_ID = 256;
export function boundedId(text: string): string {
  if (text.length <= MAX_ID) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${text.slice(0, MAX_ID - 17)}#${digest}`;
}

export const claimWorkload = (namespace: string, claim: string): string => boundedId(`pvc:${namespace}/${claim}`);
export const namespaceWorkload = (namespace: string): string => boundedId(`ns:${namespace}`);

/**
 * A pod's workload id: its name when the CREATE carries one, else its
 * generateName and 8 characters of the admission's uid (the apiserver
 * chooses the name after mutating admission, so the webhook cannot know it).
 */
export function podWorkload(pod: Pick<PodFacts, 'namespace' | 'name' | 'generateName'>, admissionUid: string): string {
  if (pod.name !== undefined) return boundedId(`pod:${pod.namespace}/${pod.name}`);
  const id = admissionUid
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 8)
    .padEnd(8, '0');
  return boundedId(`pod:${pod.namespace}/${pod.generateName ?? ''}#${id}`);
}

/** Namespace and pod (or generateName prefix) of a pod lease's workload id, for listings; undefined for other ids. */
export function podOfWorkload(workloadId: string): { namespace: string; pod: string } | undefined {
  const m = /^pod:([a-z0-9-]+)\/(.+)$/.exec(workloadId);
  if (!m) return undefined;
  return { namespace: m[1]!, pod: m[2]!.replace(/#[a-z0-9]{8}$/, '*') };
}

/**
 * Whether a workload id read back from a pod's annotation can be the one
 * this webhook gave that pod (same namespace, same name or generateName).
 */
export function workloadBelongsTo(workloadId: string, pod: Pick<PodFacts, 'namespace' | 'name' | 'generateName'>): boolean {
  if (pod.name !== undefined && workloadId === boundedId(`pod:${pod.namespace}/${pod.name}`)) return true;
  if (pod.generateName === undefined) return false;
  const prefix = `pod:${pod.namespace}/${pod.generateName}#`;
  return workloadId.length === prefix.length + 8 && workloadId.startsWith(prefix) && /^[a-z0-9]{8}$/.test(workloadId.slice(prefix.length));
}

/** A lease the pod's lease must be, created by the first pod that needs it. */
export interface Anchor {
  readonly workloadId: string;
  /** What the anchor is, for messages: `claim data` or `namespace team-a`. */
  readonly what: string;
  readonly stableKey: string;
}

export type AdmissionPlan =
  | { readonly kind: 'skip'; readonly why: string; readonly warning?: string }
  | { readonly kind: 'deny'; readonly code: number; readonly message: string }
  | {
      readonly kind: 'lease';
      readonly policy: Exclude<SharingPolicy, 'none'>;
      readonly workloadId: string;
      /** The canonical level the pod names, if it names one. */
      readonly level: string | undefined;
      /** Leases to share, in order (claims sorted; or the namespace's). */
      readonly anchors: readonly Anchor[];
      /** For a pod with no anchors: its own stable key (StatefulSet pods), '' = none. */
      readonly stableKey: string;
      /** The pod asked for seLinuxChangePolicy (Recursive, MountOption) itself. */
      readonly changePolicy: string | undefined;
    };

/**
 * What a CREATE asks for. `pool` checks the levels a pod names (syntax,
 * sensitivity, inside the pool's range), as Allocate's options.level does.
 */
export function planCreate(
  pod: PodFacts,
  admissionUid: string,
  policy: WebhookPolicy,
  pool: Pick<OptionsPolicy, 'sensitivity' | 'categories' | 'translator'>,
  forced?: SharingPolicy,
): AdmissionPlan {
  const sharing = policyFor(pod.namespace, policy, forced);
  if (sharing === 'none') return { kind: 'skip', why: policy.excluded.has(pod.namespace) ? 'namespace excluded' : 'policy none' };
  if (pod.windows) return { kind: 'skip', why: 'windows pod (no SELinux)' };
  if (pod.name === undefined && pod.generateName === undefined)
    return { kind: 'deny', code: 400, message: 'the pod has neither metadata.name nor metadata.generateName' };
  let level: string | undefined;
  let from = '';
  for (const named of pod.levels) {
    let canonical: string;
    try {
      // The bare sensitivity (s0): no categories, nothing to lease; it
      // reads only files without categories. Left as the pod asks.
      if (named.text.trim() === `s${pool.sensitivity}`) canonical = `s${pool.sensitivity}`;
      else canonical = formatLevel(staticLevel(named.text, pool, named.field));
    } catch (err) {
      if (err instanceof OptionError) return { kind: 'deny', code: 400, message: err.message };
      throw err;
    }
    if (level !== undefined && canonical !== level) {
      return {
        kind: 'deny',
        code: 400,
        message:
          `${named.field} is ${named.text} but ${from} is ${level}: ` +
          'the containers of a pod share one level (their volumes are mounted with one label)',
      };
    }
    level = canonical;
    from = named.field;
  }
  if (level === `s${pool.sensitivity}`) {
    return {
      kind: 'skip',
      why: 'bare sensitivity',
      warning: `mcs-allocator: the pod runs at ${level} without categories; no level was leased`,
    };
  }
  const workloadId = podWorkload(pod, admissionUid);
  const anchors: Anchor[] =
    sharing === 'namespace'
      ? [{ workloadId: namespaceWorkload(pod.namespace), what: `namespace ${pod.namespace}`, stableKey: namespaceWorkload(pod.namespace) }]
      : pod.claims.map((c) => ({
          workloadId: claimWorkload(pod.namespace, c),
          what: `claim ${c}`,
          stableKey: claimWorkload(pod.namespace, c),
        }));
  const stableKey = anchors.length === 0 && pod.statefulSet !== undefined && pod.name !== undefined ? workloadId : '';
  return { kind: 'lease', policy: sharing, workloadId, level, anchors, stableKey, changePolicy: pod.changePolicy };
}

/**
 * Whether a DELETE ends the pod for good, so that its lease may go:
 * the pod never ran on a node (no nodeName), it is terminal (Succeeded,
 * Failed), or the delete has no grace (gracePeriodSeconds 0, explicitly
 * or from the pod's terminationGracePeriodSeconds: the kubelet's last
 * delete after its containers stopped, a force delete, the pod garbage
 * collector's delete of a pod on a lost node). A first graceful delete of
 * a running pod is not: its containers still run until the kubelet is done.
 */
export function isFinalDelete(pod: Pick<PodFacts, 'nodeName' | 'phase' | 'terminationGracePeriodSeconds'>, options: unknown): boolean {
  if (pod.nodeName === undefined) return true;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return true;
  const grace =
    typeof options === 'object' && options !== null ? (options as { gracePeriodSeconds?: unknown }).gracePeriodSeconds : undefined;
  if (typeof grace === 'number') return grace === 0;
  return pod.terminationGracePeriodSeconds === 0;
}

/**
 * An UPDATE that changes the annotations the webhook wrote (the lease id,
 * the workload id) is refused: the final DELETE releases by them, so a pod
 * that could rewrite them could release another pod's lease.
 */
export function changedAnnotation(old: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): string | undefined {
  for (const key of Object.values(ANNOTATIONS)) {
    if (old[key] !== undefined && old[key] !== now[key]) return key;
    if (old[key] === undefined && now[key] !== undefined) return key;
  }
  return undefined;
}

/**
 * An UPDATE (ephemeral containers are added so) must not bring a level
 * the pod does not have: its lease is for the level it was admitted with.
 */
export function updateLevelProblem(old: PodFacts, now: PodFacts): string | undefined {
  const oldLevel = old.podSelinux?.level ?? old.levels[0]?.text;
  const known = new Set(old.levels.map((l) => l.text));
  if (oldLevel !== undefined) known.add(oldLevel);
  for (const l of now.levels) {
    if (!known.has(l.text)) {
      const admitted = oldLevel === undefined ? 'no level' : `level ${oldLevel}`;
      return `${l.field} is ${l.text}, but the pod was admitted with ${admitted}: a container added later runs at the pod's level`;
    }
  }
  return undefined;
}
