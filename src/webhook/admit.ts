/**
 * One admission: what planCreate decided, carried out against the lease
 * store with the same operations (and so the same rules) as the gRPC
 * Allocate and Release: uniqueness, reserved pairs, quotas, dominance,
 * stable keys. Every store call is idempotent, so a retried admission finds
 * what the first one did.
 */
import type { Logger } from 'pino';
import type { LeaseStore, Lease, LabelPrefixes, Allocation } from '../store/lease-store.js';
import {
  HostExpiredError,
  InvalidInputError,
  LeaseNotFoundError,
  LevelConflictError,
  LevelInUseError,
  LevelReservedError,
  LevelTooWideError,
  PoolRecoveringError,
  ReplicationError,
  ShareMismatchError,
  StableKeyInUseError,
  StableKeyLevelMismatchError,
  StoreError,
  StoreUnavailableError,
  VolumeConflictError,
  WorkloadHasLeaseError,
} from '../store/errors.js';
import type { OptionsPolicy } from '../domain/options.js';
import {
  ANNOTATIONS,
  changedAnnotation,
  isFinalDelete,
  planCreate,
  policyFor,
  updateLevelProblem,
  workloadBelongsTo,
  type AdmissionPlan,
  type SharingPolicy,
  type WebhookPolicy,
} from './decide.js';
import { annotationRemoval, podPatch, type PatchOperation, type RemoveOperation } from './patch.js';
import { podFacts, PodShapeError, type PodFacts } from './pod.js';
import type { AdmissionRequest, Verdict } from './review.js';

export interface AdmitDeps {
  readonly store: LeaseStore;
  /** The cluster host every pod lease is held on (--host). */
  readonly host: string;
  readonly policy: WebhookPolicy;
  readonly pool: Pick<OptionsPolicy, 'sensitivity' | 'categories' | 'translator'>;
  /** TTL of a lease at admission: what a pod that never starts holds it for (the host agent renews running pods'). */
  readonly pendingTtlSeconds: number;
  /** Context prefixes of the leases (the profile, with --selinux-user/role/type). */
  readonly prefixes: LabelPrefixes;
  /** Upper bound of one Redis call. */
  readonly redisTimeoutMs: number;
  readonly log: Logger;
}

/** A verdict and a word for metrics and logs. */
export interface Outcome extends Verdict {
  readonly outcome: string;
  readonly leaseId?: string;
  readonly level?: string;
  readonly workloadId?: string;
}

export interface AdmitOptions {
  /** Absolute time (ms) by which the answer must be sent. */
  readonly deadline: number;
  /** Policy forced by the path (/mutate/<policy>). */
  readonly forced?: SharingPolicy;
  /** The validating endpoint: never patches, never leases. */
  readonly validating?: boolean;
}

class Denied extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly outcome: string,
  ) {
    super(message);
  }
}

const ALLOW: Outcome = { allowed: true, outcome: 'allowed' };

function isPods(req: AdmissionRequest): boolean {
  return req.resource.group === '' && req.resource.resource === 'pods';
}

/** How a store refusal reads in a denied admission, and its code. */
export function refusalOf(err: StoreError): { code: number; message: string; outcome: string } {
  const m = err.metadata;
  if (err instanceof LevelInUseError) {
    const holder = m.stable_key
      ? `held for stable key ${m.stable_key} until its workload comes back`
      : `held by lease ${m.lease_id} (${m.workload_id} on ${m.host})`;
    return { code: 409, message: `level ${m.level} is ${holder}`, outcome: err.reason };
  }
  const conflict = [
    LevelConflictError,
    StableKeyInUseError,
    StableKeyLevelMismatchError,
    ShareMismatchError,
    VolumeConflictError,
    WorkloadHasLeaseError,
  ];
  if (conflict.some((c) => err instanceof c)) return { code: 409, message: err.message, outcome: err.reason };
  if (
    err instanceof StoreUnavailableError ||
    err instanceof PoolRecoveringError ||
    err instanceof ReplicationError ||
    err instanceof HostExpiredError
  ) {
    return { code: 503, message: err.message, outcome: err.reason };
  }
  if (err instanceof InvalidInputError || err instanceof LevelTooWideError) return { code: 400, message: err.message, outcome: err.reason };
  if (err instanceof LevelReservedError) return { code: 403, message: err.message, outcome: err.reason };
  return { code: 403, message: err.message, outcome: err.reason };
}

export class Admitter {
  constructor(readonly deps: AdmitDeps) {}

  async admit(req: AdmissionRequest, opts: AdmitOptions): Promise<Outcome> {
    if (!isPods(req)) return { ...ALLOW, outcome: 'ignored' };
    try {
      if (req.operation === 'CREATE' && req.subResource === '')
        return opts.validating ? { ...ALLOW, outcome: 'ignored' } : await this.create(req, opts);
      if (req.operation === 'UPDATE' && (req.subResource === '' || req.subResource === 'ephemeralcontainers'))
        return this.update(req, opts);
      if (req.operation === 'DELETE' && req.subResource === '') return await this.delete(req, opts);
      return { ...ALLOW, outcome: 'ignored' };
    } catch (err) {
      if (err instanceof PodShapeError)
        return { allowed: false, code: 400, message: `mcs-allocator: malformed pod: ${err.message}`, outcome: 'malformed' };
      if (err instanceof Denied) return { allowed: false, code: err.code, message: `mcs-allocator: ${err.message}`, outcome: err.outcome };
      if (err instanceof StoreError) {
        const r = refusalOf(err);
        return { allowed: false, code: r.code, message: `mcs-allocator: ${r.message}`, outcome: r.outcome };
      }
      throw err;
    }
  }

  /** How long the next store call may take: the rest of the admission's budget, capped. */
  private timeout(opts: AdmitOptions): { timeoutMs: number } {
    const left = opts.deadline - Date.now();
    if (left <= 0) throw new Denied(503, 'the admission ran out of time before the lease store answered', 'DEADLINE_EXCEEDED');
    return { timeoutMs: Math.min(left, this.deps.redisTimeoutMs) };
  }

  private async create(req: AdmissionRequest, opts: AdmitOptions): Promise<Outcome> {
    const pod = podFacts(req.object, req.namespace);
    const plan = planCreate(pod, req.uid, this.deps.policy, this.deps.pool, opts.forced);
    // The webhook's annotations on a pod it does not lease for are not its own: the final
    // DELETE (and the agent) would act on them, so they go.
    const strip = annotationRemoval(pod.annotations, Object.values(ANNOTATIONS));
    const stripped = strip.length ? { patch: strip } : {};
    if (plan.kind === 'skip')
      return { allowed: true, outcome: 'skipped', ...stripped, ...(plan.warning ? { warnings: [plan.warning] } : {}) };
    if (plan.kind === 'deny') return { allowed: false, code: plan.code, message: `mcs-allocator: ${plan.message}`, outcome: 'invalid' };
    if (req.dryRun) {
      return {
        allowed: true,
        outcome: 'dry_run',
        ...stripped,
        warnings: ['mcs-allocator: dry run: no SELinux level was leased; the real request gets one'],
      };
    }
    let recursive = false;
    let lease: Lease;
    const shared = await this.sharedLease(plan, opts);
    if ('conflict' in shared) {
      const mayRecurse = this.deps.policy.onConflict === 'recursive' && plan.changePolicy !== 'MountOption';
      if (!mayRecurse) {
        const hint = plan.changePolicy === 'MountOption' ? ' (the pod asks for seLinuxChangePolicy MountOption)' : '';
        throw new Denied(409, `the pod cannot share one level with all its claims: ${shared.conflict}${hint}`, 'SHARE_CONFLICT');
      }
      // Its own level, and volumes relabelled recursively instead of mounted with one context.
      lease = await this.ownLease({ ...plan, anchors: [] }, opts);
      recursive = true;
    } else {
      lease = shared.lease;
    }
    const { selinux } = this.deps.policy;
    const patch: (PatchOperation | RemoveOperation)[] = podPatch(
      pod,
      { level: lease.level, ...selinux, ...(recursive && plan.changePolicy !== 'Recursive' ? { changePolicy: 'Recursive' } : {}) },
      {
        [ANNOTATIONS.leaseId]: lease.id,
        [ANNOTATIONS.workloadId]: plan.workloadId,
        ...(plan.anchors.length && !recursive ? { [ANNOTATIONS.shares]: plan.anchors.map((a) => a.workloadId).join(',') } : {}),
      },
    );
    // A shares annotation the pod brought along (and the webhook does not write) goes too.
    if (!(plan.anchors.length && !recursive)) patch.push(...annotationRemoval(pod.annotations, [ANNOTATIONS.shares]));
    const warnings = recursive
      ? [
          `mcs-allocator: the pod's claims are held at different levels; ` +
            `it gets level ${lease.level} of its own and seLinuxChangePolicy Recursive`,
        ]
      : [];
    return {
      allowed: true,
      patch,
      outcome: recursive ? 'recursive' : plan.anchors.length ? 'shared' : 'leased',
      leaseId: lease.id,
      level: lease.level,
      workloadId: plan.workloadId,
      ...(warnings.length ? { warnings } : {}),
    };
  }

  private what(level: string | undefined): Allocation {
    return level === undefined ? { kind: 'random' } : { kind: 'static', level };
  }

  /** A lease of the pod's own (no claims, or none it can share). */
  private async ownLease(plan: Extract<AdmissionPlan, { kind: 'lease' }>, opts: AdmitOptions): Promise<Lease> {
    const { store, host } = this.deps;
    try {
      const { lease } = await store.allocate(
        {
          host,
          workloadId: plan.workloadId,
          ttlSeconds: this.deps.pendingTtlSeconds,
          what: this.what(plan.level),
          prefixes: this.deps.prefixes,
          ...(plan.stableKey ? { stable: { key: plan.stableKey, scope: 'host' as const, retentionSeconds: 0 } } : {}),
        },
        this.timeout(opts),
      );
      return lease;
    } catch (err) {
      // The pod was admitted before (an answer lost on the way back, or a
      // pod recreated under its name before its old lease ended): it keeps
      // that lease when the level matches what it asks for now.
      if (!(err instanceof WorkloadHasLeaseError)) throw err;
      const held = await store.get({ host, workloadId: plan.workloadId }, this.timeout(opts));
      if (plan.level === undefined || held.level === plan.level) return held;
      throw err;
    }
  }

  private async find(workloadId: string, opts: AdmitOptions): Promise<Lease | undefined> {
    try {
      return await this.deps.store.get({ host: this.deps.host, workloadId }, this.timeout(opts));
    } catch (err) {
      if (err instanceof LeaseNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The lease the pod shares with its claims (or namespace): found, or
   * created by this pod; the claims it lacks join it, then the pod. Looks
   * again when another admission changed things meanwhile.
   */
  private async sharedLease(
    plan: Extract<AdmissionPlan, { kind: 'lease' }>,
    opts: AdmitOptions,
  ): Promise<{ lease: Lease } | { conflict: string }> {
    if (plan.anchors.length === 0) return { lease: await this.ownLease(plan, opts) };
    const { store, host } = this.deps;
    const ttlSeconds = this.deps.pendingTtlSeconds;
    for (let attempt = 0; attempt < 4; attempt++) {
      const found = await Promise.all(plan.anchors.map((a) => this.find(a.workloadId, opts)));
      const byLease = new Map<string, { lease: Lease; what: string[] }>();
      found.forEach((l, i) => {
        if (!l) return;
        const e = byLease.get(l.id) ?? { lease: l, what: [] };
        e.what.push(plan.anchors[i]!.what);
        byLease.set(l.id, e);
      });
      if (byLease.size > 1) {
        return {
          conflict: [...byLease.values()].map((e) => `${e.what.join(', ')} at level ${e.lease.level} (lease ${e.lease.id})`).join('; '),
        };
      }
      let lease = [...byLease.values()][0]?.lease;
      if (lease && plan.level !== undefined && lease.level !== plan.level) {
        const e = [...byLease.values()][0]!;
        throw new Denied(
          409,
          `${e.what.join(', ')} is held at level ${lease.level} (lease ${lease.id}, ${lease.workloadId}); the pod names ${plan.level}`,
          'SHARE_LEVEL_MISMATCH',
        );
      }
      try {
        let first = 0;
        if (!lease) {
          const a = plan.anchors[0]!;
          lease = (
            await store.allocate(
              {
                host,
                workloadId: a.workloadId,
                ttlSeconds,
                what: this.what(plan.level),
                prefixes: this.deps.prefixes,
                stable: { key: a.stableKey, scope: 'host', retentionSeconds: 0 },
              },
              this.timeout(opts),
            )
          ).lease;
          first = 1;
          found[0] = lease;
        }
        for (let i = first; i < plan.anchors.length; i++) {
          if (found[i]) continue;
          await store.allocate(
            { host, workloadId: plan.anchors[i]!.workloadId, ttlSeconds, what: { kind: 'join', leaseId: lease.id } },
            this.timeout(opts),
          );
        }
        const joined = await store.allocate(
          {
            host,
            workloadId: plan.workloadId,
            ttlSeconds,
            what: { kind: 'join', leaseId: lease.id, ...(plan.level ? { level: plan.level } : {}) },
          },
          this.timeout(opts),
        );
        return { lease: joined.lease };
      } catch (err) {
        // Another admission made an anchor's lease meanwhile, or the lease
        // ended between the look-up and the join: look again.
        if (err instanceof WorkloadHasLeaseError || err instanceof LeaseNotFoundError || err instanceof StableKeyInUseError) {
          const pod = await this.find(plan.workloadId, opts);
          if (pod && lease && pod.id === lease.id) return { lease: pod };
          if (pod && err instanceof WorkloadHasLeaseError && attempt >= 1) {
            throw new Denied(
              409,
              `${plan.workloadId} already holds lease ${pod.id} (level ${pod.level}), not the lease of its claims`,
              'WORKLOAD_HAS_LEASE',
            );
          }
          continue;
        }
        throw err;
      }
    }
    throw new Denied(503, "the leases of the pod's claims kept changing under concurrent admissions; retry", 'BUSY');
  }

  private update(req: AdmissionRequest, opts: AdmitOptions): Outcome {
    const now = podFacts(req.object, req.namespace);
    const old = podFacts(req.oldObject, req.namespace);
    const changed = changedAnnotation(old.annotations, now.annotations);
    if (changed) throw new Denied(403, `annotation ${changed} is written by the webhook and cannot be changed`, 'ANNOTATION_CHANGED');
    if (policyFor(now.namespace, this.deps.policy, opts.forced) === 'none' || old.annotations[ANNOTATIONS.leaseId] === undefined)
      return { ...ALLOW, outcome: 'ignored' };
    const problem = updateLevelProblem(old, now);
    if (problem) throw new Denied(400, problem, 'LEVEL_CHANGED');
    return ALLOW;
  }

  private async delete(req: AdmissionRequest, opts: AdmitOptions): Promise<Outcome> {
    // A DELETE is never refused: at worst the lease waits for its TTL.
    if (req.oldObject === undefined) return { ...ALLOW, outcome: 'ignored' };
    let pod: PodFacts;
    try {
      pod = podFacts(req.oldObject, req.namespace);
    } catch (err) {
      if (err instanceof PodShapeError) return { ...ALLOW, outcome: 'ignored' };
      throw err;
    }
    const leaseId = pod.annotations[ANNOTATIONS.leaseId];
    const workloadId = pod.annotations[ANNOTATIONS.workloadId];
    if (!leaseId || !workloadId) return { ...ALLOW, outcome: 'ignored' };
    if (!isFinalDelete(pod, req.options)) return { ...ALLOW, outcome: 'graceful' };
    if (req.dryRun) return { ...ALLOW, outcome: 'dry_run' };
    if (!workloadBelongsTo(workloadId, pod)) {
      this.deps.log.warn(
        { namespace: pod.namespace, pod: pod.name, workloadId },
        'a deleted pod names a workload id that is not its own; nothing released',
      );
      return { ...ALLOW, outcome: 'foreign' };
    }
    try {
      const r = await this.deps.store.release({ leaseId, host: this.deps.host, workloadId }, this.timeout(opts));
      return { allowed: true, outcome: r.released ? 'released' : 'not_found', leaseId, workloadId };
    } catch (err) {
      if (!(err instanceof StoreError || err instanceof Denied)) throw err;
      this.deps.log.warn({ leaseId, workloadId, err: err.message }, "could not release a deleted pod's lease; it ends with its TTL");
      return {
        allowed: true,
        outcome: 'release_failed',
        warnings: [`mcs-allocator: the pod's lease ${leaseId} could not be released now (${err.message}); it ends with its TTL`],
      };
    }
  }
}
