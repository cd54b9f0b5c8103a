/**
 * The webhook's leases of the pods that run on this host (cluster-leases.ts
 * says which): renewed while a sandbox of theirs is ready here, and leased
 * again, at the level the pod runs with, when one was lost.
 */
import type { Logger } from 'pino';
import { classify, type AllocatorClient } from '../ctl/client.js';
import type { ClusterLease } from './cluster-leases.js';

export interface ClusterLeaseRenewalDeps {
  readonly client: AllocatorClient;
  /** The webhook's cluster host (--cluster-host), where the leases live. */
  readonly host: string;
  readonly ttlSeconds: number;
  readonly log: Logger;
  readonly stopped: () => boolean;
  /** Try again soon (the agent's next reconcile), not at the next interval. */
  readonly retrySoon: (why: string) => void;
}

export class ClusterLeaseRenewal {
  /** Pods whose webhook lease was lost and leased again here: (annotation lease id, workload id) to the new lease id. */
  private readonly restoredLeases = new Map<string, string>();

  constructor(private readonly deps: ClusterLeaseRenewalDeps) {}

  /**
   * Renews the webhook's leases of the pods whose sandboxes are ready here.
   * One that is gone (its TTL ran out before the pod started, or its final
   * DELETE came first) is logged: the pod runs with a level nobody holds.
   */
  async renew(leases: readonly ClusterLease[]): Promise<void> {
    const renewed = new Set<string>();
    for (const l of leases) {
      if (this.deps.stopped()) return;
      const key = `${l.leaseId} ${l.workloadId ?? l.sandboxId}`;
      const current = this.restoredLeases.get(key) ?? l.leaseId;
      if (renewed.has(current)) continue;
      try {
        await this.deps.client.Renew({ lease_id: current, ttl_seconds: this.deps.ttlSeconds });
        renewed.add(current);
      } catch (err) {
        const ce = classify(err, this.deps.client.address);
        if (ce.reason === 'LEASE_NOT_FOUND') {
          const restored = await this.restoreClusterLease(l);
          if (restored) this.restoredLeases.set(key, restored);
        } else this.deps.log.warn({ leaseId: current, err: ce.describe() }, 'could not renew a pod lease of the webhook');
      }
    }
  }

  /**
   * A pod runs here with a level whose webhook lease has ended (Redis lost
   * it, or the pod waited longer than the pending TTL): lease the level
   * again on the cluster host, as the webhook would have (its anchors
   * first, so that pods sharing a claim share the restored lease), unless
   * someone else holds it now, which is logged.
   */
  private async restoreClusterLease(l: ClusterLease): Promise<string | undefined> {
    const fields = { leaseId: l.leaseId, sandboxId: l.sandboxId, level: l.level, workloadId: l.workloadId };
    if (!l.level || !l.workloadId) {
      this.deps.log.warn(fields, 'a pod runs here with a level whose webhook lease has ended');
      return undefined;
    }
    const host = this.deps.host;
    const ttl = this.deps.ttlSeconds;
    const level = { user: '', role: '', type: '', filetype: '', disable: false, profile: '', level: l.level };
    try {
      let leaseId: string;
      if (l.shares.length > 0) {
        const [first, ...rest] = l.shares;
        leaseId = (await this.deps.client.Allocate({ host, workload_id: first!, ttl_seconds: ttl, options: level, stable_key: first! }))
          .lease.lease_id;
        for (const a of rest) {
          await this.deps.client.Allocate({ host, workload_id: a, ttl_seconds: ttl, share_with: leaseId }).catch(() => undefined);
        }
        await this.deps.client.Allocate({
          host,
          workload_id: l.workloadId,
          ttl_seconds: ttl,
          share_with: leaseId,
          options: { ...level, level: l.level },
        });
      } else {
        leaseId = (await this.deps.client.Allocate({ host, workload_id: l.workloadId, ttl_seconds: ttl, options: level })).lease.lease_id;
      }
      this.deps.log.warn(
        { ...fields, restoredLeaseId: leaseId },
        "a pod's webhook lease had ended while it runs here: leased its level again",
      );
      return leaseId;
    } catch (err) {
      const ce = classify(err, this.deps.client.address);
      if (ce.reason === 'POOL_RECOVERING' || ce.unreachable || ce.reason === 'REDIS_UNAVAILABLE') {
        // The pool waits for hosts to report what they run: try again soon, not at the next interval.
        this.deps.log.info({ ...fields, err: ce.describe() }, "a pod's webhook lease had ended; leasing its level again shortly");
        setTimeout(() => this.deps.retrySoon('a pod lease waits to be leased again'), 3_000).unref();
        return undefined;
      }
      this.deps.log.error(
        { ...fields, err: ce.describe() },
        'a pod runs here with a level whose webhook lease has ended, and it cannot be leased again',
      );
      return undefined;
    }
  }
}
