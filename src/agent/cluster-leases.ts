/**
 * Pods the Kubernetes admission webhook leased a level for (see README,
 * "Using with Kubernetes"). Their leases live on the webhook's cluster host,
 * not on this one: pods sharing a claim may run on many nodes under one
 * lease. The kubelet copies the pod's annotations into its CRI sandbox, so
 * the agent knows them by `io.mcs-allocator.lease-id`: it keeps them out of
 * this host's Reconcile (which would find their level held by another
 * host) and renews them while a sandbox of theirs is ready here, so that a
 * lease lives as long as some node runs one of its pods. Pure.
 */
import { isLive } from './plan.js';
import type { RuntimeWorkload } from './runtime/types.js';

export const LEASE_ID_ANNOTATION = 'io.mcs-allocator.lease-id';
export const WORKLOAD_ID_ANNOTATION = 'io.mcs-allocator.workload-id';
export const SHARES_ANNOTATION = 'io.mcs-allocator.shares';

export interface ClusterLease {
  readonly leaseId: string;
  /** The pod sandbox that carries it (one of them, when several pods share the lease). */
  readonly sandboxId: string;
  readonly level: string | undefined;
  /** The pod's workload id on the cluster host, when the sandbox carries it. */
  readonly workloadId: string | undefined;
  /** The anchors of a shared lease (claims, namespace), in the webhook's order. */
  readonly shares: readonly string[];
}

/**
 * `local`: the workloads this host's Reconcile reports; `renew`: the
 * webhook's leases of the pods whose sandbox is live here (once per pod).
 * The containers of such a sandbox are the pod's too, and are left out.
 */
export function splitClusterLeased(workloads: readonly RuntimeWorkload[]): { local: RuntimeWorkload[]; renew: ClusterLease[] } {
  const sandboxes = new Set<string>();
  const renew = new Map<string, ClusterLease>();
  for (const w of workloads) {
    const leaseId = w.role === 'sandbox' ? w.annotations?.[LEASE_ID_ANNOTATION] : undefined;
    if (!leaseId) continue;
    sandboxes.add(w.id);
    const workloadId = w.annotations?.[WORKLOAD_ID_ANNOTATION] || undefined;
    // Once per pod (a pod's sandbox is recreated with a new attempt; pods sharing a lease each count).
    const key = `${leaseId} ${workloadId ?? w.id}`;
    if (isLive(w) && !renew.has(key)) {
      const shares = (w.annotations?.[SHARES_ANNOTATION] ?? '').split(',').filter(Boolean);
      renew.set(key, { leaseId, sandboxId: w.id, level: w.level, workloadId, shares });
    }
  }
  const local = workloads.filter((w) => !sandboxes.has(w.id) && !(w.role === 'container' && w.pod && sandboxes.has(w.pod.id)));
  return { local, renew: [...renew.values()] };
}
