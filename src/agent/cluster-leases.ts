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

export interface ClusterLease {
  readonly leaseId: string;
  /** The pod sandbox that carries it (one of them, when several pods share the lease). */
  readonly sandboxId: string;
  readonly level: string | undefined;
}

/**
 * `local`: the workloads this host's Reconcile reports; `renew`: the
 * webhook's leases of pods whose sandbox is live here (each lease once).
 * The containers of such a sandbox are the pod's too, and are left out.
 */
export function splitClusterLeased(workloads: readonly RuntimeWorkload[]): { local: RuntimeWorkload[]; renew: ClusterLease[] } {
  const sandboxes = new Set<string>();
  const renew = new Map<string, ClusterLease>();
  for (const w of workloads) {
    const leaseId = w.role === 'sandbox' ? w.annotations?.[LEASE_ID_ANNOTATION] : undefined;
    if (!leaseId) continue;
    sandboxes.add(w.id);
    if (isLive(w) && !renew.has(leaseId)) renew.set(leaseId, { leaseId, sandboxId: w.id, level: w.level });
  }
  const local = workloads.filter((w) => !sandboxes.has(w.id) && !(w.role === 'container' && w.pod && sandboxes.has(w.pod.id)));
  return { local, renew: [...renew.values()] };
}
