import type { CategoryRange } from '../domain/categories.js';
import type { Level } from '../domain/level.js';
import type { Profile } from '../domain/profile.js';
import type { StoreError } from './errors.js';

/** The store's vocabulary: what it is given and what it answers. */

export interface PoolSettings {
  readonly name: string;
  /** Sensitivity of every level in the pool, e.g. "s0". */
  readonly sensitivity: string;
  readonly categories: CategoryRange;
  /** Pairs (two categories inside the range) that are never handed out. */
  readonly reserved: readonly Level[];
  readonly profile: Profile;
  /** --host-ttl in seconds: leases lapse with their host's heartbeats (0 = never). */
  readonly hostTtlSeconds?: number;
  /** Pairs one host may hold (0 = no limit). */
  readonly hostQuota?: number;
  /** Wide static levels (one, or three or more categories) one host may hold (0 = no limit). */
  readonly hostStaticQuota?: number;
  /** Most pairs one static level may cover (0 = no limit); see domain/statics.ts. */
  readonly maxStaticPairs?: number;
  /** How many lease events the pool's stream keeps (about; 0 = none). */
  readonly eventRetention?: number;
  /**
   * --recovery-window in seconds: when the pool has to be created again
   * (Redis lost it), new leases wait this long for hosts to report what they
   * run (0 = never wait).
   */
  readonly recoveryWindowSeconds?: number;
  /** --stable-retention in seconds: the longest a pair is held for its stable key (0 = stable keys hold nothing). */
  readonly stableRetentionSeconds?: number;
  /** Process type of disabled labels (--privileged-type), e.g. those Reconcile restores; default spc_t. */
  readonly privilegedType?: string;
}

/** One workload a host reports running, with its canonical level and what kind of level it is. */
export interface ReportedWorkload {
  readonly workloadId: string;
  readonly level: string;
  /** 'pair': two categories of the pool; 'static': another level inside it; 'disabled': the bare sensitivity. */
  readonly kind: 'pair' | 'static' | 'disabled';
  /** Pairs the level covers (domain/statics.ts coveredPairs): what restoring it costs. */
  readonly coveredPairs: number;
  /** Why the host may not have the level leased anew (its policy), if it may not; it may still keep a lease it holds. */
  readonly refusal?: string;
}

export interface ReconcileConflict {
  readonly workloadId: string;
  readonly level: string;
  readonly error: StoreError;
  readonly holderLeaseId: string;
  readonly holderHost: string;
  readonly holderWorkloadId: string;
}

export interface ReconcileResult {
  readonly kept: Lease[];
  readonly restored: Lease[];
  readonly conflicts: ReconcileConflict[];
  readonly released: Lease[];
}

export type LeaseKind = 'random' | 'static' | 'disabled';

/** A volume path a lease holds, shared (z) or private (Z), per host or per shared storage. */
export interface Claim {
  /** `h:<host>` or `s:<storage id>`. */
  readonly scope: string;
  readonly path: string;
  readonly mode: 'z' | 'Z';
}

export interface Lease {
  readonly id: string;
  readonly pool: string;
  readonly kind: LeaseKind;
  readonly host: string;
  /** The first member: the workload that created the lease. */
  readonly workloadId: string;
  /** Every workload sharing the lease (a pod), creator first. */
  readonly members: readonly string[];
  readonly claims: readonly Claim[];
  readonly level: string;
  readonly processLabel: string;
  readonly mountLabel: string;
  readonly roMountLabel: string;
  /** Decimal string: tokens are above 2^32 and are compared, never computed with. */
  readonly fencingToken: string;
  /** Milliseconds since the epoch on the Redis clock. */
  readonly createdAt: number;
  /** Milliseconds since the epoch; 0 = never expires. */
  readonly expiresAt: number;
  /** The lease's stable key ('' = none): when it ends, its pair is held for the key. */
  readonly stableKey: string;
  /** For a pair held for its stable key (no members): when the hold ends (ms); 0 for a lease. */
  readonly heldUntil: number;
}

/** A stable key and its scope: per host, or cluster-wide (any host may bring its pair back). */
export interface StableKey {
  readonly key: string;
  readonly scope: 'host' | 'cluster';
  /** How long the pair is held for the key once the lease ends (seconds; capped by the pool's --stable-retention). */
  readonly retentionSeconds: number;
}

export interface PoolStats {
  readonly pool: string;
  readonly sensitivity: string;
  readonly categoryRange: string;
  readonly total: number;
  readonly leased: number;
  readonly free: number;
  readonly reserved: number;
  readonly blocked: number;
  /** Pairs held for stable keys (their leases ended; not free, not leased). */
  readonly held: number;
}

/** What an allocation asks for. Levels are canonical (formatLevel). */
export type Allocation =
  | { readonly kind: 'random' }
  | { readonly kind: 'static'; readonly level: string }
  | { readonly kind: 'disabled'; readonly level: string }
  | { readonly kind: 'join'; readonly leaseId: string; readonly level?: string };

/** Context prefixes "user:role:type" of a lease's three labels. */
export interface LabelPrefixes {
  readonly process: string;
  readonly mount: string;
  readonly ro: string;
}

export interface InitResult {
  readonly created: boolean;
  readonly unreserved: number;
  readonly reserved: number;
  /** The key layout the pool was moved from in place (src/store/scripts/init_pool.lua), if it was. */
  readonly movedFromLayout?: number;
}

/** Where a lease listing continues: after this slot of this host. */
export interface ListCursor {
  readonly host: string;
  readonly slot: number;
}

/** Per-call options: how long to wait for Redis before answering UNAVAILABLE. */
export interface CallOptions {
  readonly timeoutMs?: number;
}

export type LeaseRef = { readonly leaseId: string } | { readonly host: string; readonly workloadId: string };
