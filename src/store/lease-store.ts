import { randomBytes } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { formatCategoryRange } from '../domain/categories.js';
import { formatLevel } from '../domain/level.js';
import { PairSpace } from '../domain/pairs.js';
import { formatPrefix } from '../domain/context.js';
import { REPORTED_KINDS, SLOTS } from './contract.js';
import { poolKeys, type PoolKeys } from './keys.js';
import { SLOT_LIMIT, SUFFIX_DIGITS, leaseSuffixFrom, newLeaseSuffixes, slotOfLeaseId } from './lease-id.js';
import { OperationRunner, withTimeout, type Replication } from './runner.js';
import { RECONCILE_BATCH_COST, RECONCILE_BATCH_WORKLOADS, costBatches } from './reconcile-batches.js';
import { InvalidInputError, LeaseNotFoundError, scriptError } from './errors.js';
import { EventFeed } from './event-feed.js';
import type {
  Allocation,
  CallOptions,
  Claim,
  InitResult,
  LabelPrefixes,
  Lease,
  LeaseRef,
  ListCursor,
  PoolSettings,
  PoolStats,
  ReconcileResult,
  ReportedWorkload,
  StableKey,
} from './types.js';

export type * from './types.js';
export type { DecodedLeaseEvent, EventFeed } from './event-feed.js';
export { costBatches } from './reconcile-batches.js';

/**
 * The randomness of one allocation in one call: a uniform integer in
 * [0, 2^48) (the script's draw; scripts must be deterministic, so it comes
 * from here) and the lease id's random suffix.
 */
function allocationRandomness(): { draw: number; suffix: string } {
  const bytes = randomBytes(6 + SUFFIX_DIGITS);
  return { draw: bytes.readUIntBE(0, 6), suffix: leaseSuffixFrom(bytes.subarray(6)) };
}

/** Leases read per host_members call. */
const HOST_MEMBERS_PAGE = 500;

/** The slot a lease id names in this pool, or undefined when it can name no lease here. */
function slotIn(id: string, space: PairSpace): number | undefined {
  const slot = slotOfLeaseId(id);
  if (slot === undefined || (slot >= space.size && slot < SLOTS.KEYED_BASE) || slot >= SLOT_LIMIT) return undefined;
  return slot;
}

/** A lease id's slot, or LeaseNotFoundError: an id that names no slot names no lease. */
function slotOf(id: string, space: PairSpace): number {
  const slot = slotIn(id, space);
  if (slot === undefined) throw new LeaseNotFoundError('no such lease');
  return slot;
}

/** Volume claims as the scripts' argument tails carry them: scope, path, mode, ... */
function claimArgs(claims: readonly Claim[] = []): string[] {
  return claims.flatMap((c) => [c.scope, c.path, c.mode]);
}

/**
 * Records separate fields with tabs and pod members with spaces, so the
 * store refuses ids holding either (or any other control character),
 * whoever calls it; the service's own request rules are stricter.
 */
const ID = /^[\x21-\x7e]+$/;
function requireId(field: string, value: string, { optional = false } = {}): void {
  if (optional && value === '') return;
  if (!ID.test(value)) throw new InvalidInputError(`${field}: must be printable ASCII without spaces`, { field });
}

/**
 * The lease store: one pool's state in Redis, changed only through the
 * atomic operations of ./operations.ts, each in one round trip.
 */
export class LeaseStore {
  readonly keys: PoolKeys;
  readonly space: PairSpace;
  private readonly ops: OperationRunner;
  private readonly prefixes: LabelPrefixes;

  /**
   * `replication`: with `replicas` > 0, every change runs on `writer` (a
   * connection of its own) and then waits there for that many replica
   * acknowledgements (WAIT) before it counts as done.
   */
  constructor(
    readonly redis: Redis | Cluster,
    readonly settings: PoolSettings,
    private readonly onPoolRecreated: (result: InitResult) => void = () => {},
    replication?: Replication,
  ) {
    this.keys = poolKeys(settings.name);
    this.space = new PairSpace(settings.categories);
    // If Redis lost the pool (a restart without persistence, a failover to
    // an empty replica), it is created again and the change retried once.
    // The fencing counter is seeded from the clock, so tokens still grow;
    // the lost leases themselves are gone, which the log says loudly.
    this.ops = new OperationRunner(
      redis,
      this.keys,
      settings.name,
      async () => this.onPoolRecreated(await this.init({ recovering: true })),
      replication,
    );
    const p = settings.profile;
    this.prefixes = { process: formatPrefix(p.process), mount: formatPrefix(p.file), ro: formatPrefix(p.roFile) };
  }

  /**
   * Creates the pool or checks it against the settings; reconciles reserved
   * pairs. `recovering`: if the pool has to be created, it is created again
   * (Redis lost it, or may have), so new leases wait --recovery-window for
   * hosts to report what they run; a pool known to be new does not wait.
   */
  async init(opts: CallOptions & { recovering?: boolean } = {}): Promise<InitResult> {
    const { name, sensitivity, categories, reserved } = this.settings;
    const pairs: (string | number)[] = [];
    for (const level of reserved) {
      const rank = this.space.rankOfLevel(level);
      if (rank === undefined) throw new RangeError(`reserved level ${formatLevel(level)} is not a pair of this pool`);
      pairs.push(formatLevel(level), rank);
    }
    const r = await this.ops.read(
      'initPool',
      {
        pool: name,
        sensitivity,
        categories: formatCategoryRange(categories),
        low: categories.low,
        total: this.space.size,
        eventRetention: this.settings.eventRetention ?? 6_000,
        recoveryMs: opts.recovering ? (this.settings.recoveryWindowSeconds ?? 0) * 1000 : 0,
      },
      opts,
      pairs,
    );
    const result = { created: r.flag(), unreserved: r.int(), reserved: r.int() };
    const movedFrom = r.str();
    return movedFrom === '' ? result : { ...result, movedFromLayout: Number(movedFrom) };
  }

  /** What a disabled label gets: the profile's prefixes with the privileged process type. */
  get privilegedPrefixes(): LabelPrefixes {
    const { process } = this.settings.profile;
    return { ...this.defaultPrefixes, process: formatPrefix({ ...process, type: this.settings.privilegedType ?? 'spc_t' }) };
  }

  /** The profile's prefixes: what a lease gets when the request sets no label options. */
  get defaultPrefixes(): LabelPrefixes {
    return this.prefixes;
  }

  /** --host-quota, --host-static-quota, --max-static-pairs, as allocate.lua and reconcile.lua take them. */
  private get limitArgs() {
    return {
      hostQuota: this.settings.hostQuota ?? 0,
      hostStaticQuota: this.settings.hostStaticQuota ?? 0,
      maxStaticPairs: this.settings.maxStaticPairs ?? 0,
    };
  }

  private get hostTtlMs(): number {
    return (this.settings.hostTtlSeconds ?? 0) * 1000;
  }

  async allocate(
    req: {
      host: string;
      workloadId: string;
      requestId?: string;
      ttlSeconds?: number;
      what?: Allocation;
      prefixes?: LabelPrefixes;
      claims?: readonly Claim[];
      stable?: StableKey;
    },
    opts: CallOptions = {},
  ): Promise<{ lease: Lease; created: boolean }> {
    requireId('host', req.host);
    if (req.stable) requireId('stable_key', req.stable.key);
    requireId('workload_id', req.workloadId);
    requireId('request_id', req.requestId ?? '', { optional: true });
    const what = req.what ?? { kind: 'random' };
    const p = req.prefixes ?? this.defaultPrefixes;
    const join = what.kind === 'join' ? { joinId: what.leaseId, joinSlot: slotOf(what.leaseId, this.space) } : { joinId: '', joinSlot: '' };
    // One id suffix and one random draw per call: if ioredis resends this
    // exact script after a reconnect, the script recognises its own lease.
    const { draw, suffix } = allocationRandomness();
    const r = await this.ops.write(
      'allocate',
      {
        host: req.host,
        workload: req.workloadId,
        requestId: req.requestId ?? '',
        ttlMs: (req.ttlSeconds ?? 0) * 1000,
        random: draw,
        suffix,
        processPrefix: p.process,
        mountPrefix: p.mount,
        roPrefix: p.ro,
        mode: what.kind,
        level: what.kind === 'random' ? '' : (what.level ?? ''),
        ...join,
        hostTtlMs: this.hostTtlMs,
        ...this.limitArgs,
        stableKey: req.stable?.key ?? '',
        stableScope: req.stable?.scope === 'cluster' ? 'c' : 'h',
        retentionMs: this.retentionMs(req.stable),
      },
      opts,
      claimArgs(req.claims),
    );
    return { created: r.flag(), lease: r.lease() };
  }

  /** How long a stable key holds its pair: what the request asks, at most --stable-retention. */
  private retentionMs(stable: StableKey | undefined): number {
    if (!stable) return 0;
    const max = this.settings.stableRetentionSeconds ?? 0;
    const asked = stable.retentionSeconds > 0 ? stable.retentionSeconds : max;
    return Math.min(asked, max) * 1000;
  }

  /**
   * One page of the pairs held for stable keys (of one host, or all), in
   * slot order after `after`; `next` is where the following page starts.
   */
  async listHolds(
    req: { host?: string; after?: number; limit: number },
    opts: CallOptions = {},
  ): Promise<{ holds: Lease[]; next?: number }> {
    requireId('host', req.host ?? '', { optional: true });
    const r = await this.ops.read('listHolds', { filter: req.host ?? '', cursorSlot: req.after ?? '', limit: req.limit }, opts);
    const more = r.flag();
    const last = r.int();
    const n = r.int();
    const holds = Array.from({ length: n }, () => r.lease());
    return { holds, ...(more ? { next: last } : {}) };
  }

  /**
   * A host is alive: every lease it holds stays alive for `ttlSeconds`
   * (0 = the pool's host TTL). O(1) in the host's leases.
   */
  async heartbeat(
    host: string,
    ttlSeconds: number,
    opts: CallOptions & { knownEpoch?: string } = {},
  ): Promise<{ expiresAt: number; leases: number; poolEpoch: string }> {
    requireId('host', host);
    const ttlMs = this.hostTtlMs > 0 ? (ttlSeconds > 0 ? ttlSeconds * 1000 : this.hostTtlMs) : 0;
    const recoveryMs = (this.settings.recoveryWindowSeconds ?? 0) * 1000;
    const r = await this.ops.write('heartbeat', { host, ttlMs, knownEpoch: opts.knownEpoch ?? '', recoveryMs }, opts);
    return { expiresAt: r.int(), leases: r.int(), poolEpoch: r.str() };
  }

  /**
   * Brings a host's leases in line with the workloads it reports running:
   * keeps matching leases, restores free reported labels (joining a lease of
   * the same host and level, as pod members do), reports conflicts, and
   * releases what the host holds but did not report. Runs in batches whose
   * cost (workloads, and the pairs their static levels cover) is bounded,
   * so a host with thousands of workloads or wide levels never blocks Redis
   * for long; safe to repeat.
   */
  async reconcile(
    host: string,
    workloads: readonly ReportedWorkload[],
    opts: CallOptions & { batch?: number } = {},
  ): Promise<ReconcileResult> {
    requireId('host', host);
    for (const w of workloads) requireId('workload_id', w.workloadId);
    const result: ReconcileResult = { kept: [], restored: [], conflicts: [], released: [] };
    const startToken = await withTimeout(this.redis.hget(this.keys.meta, 'token'), opts);
    if (startToken === null) {
      this.onPoolRecreated(await this.init({ ...opts, recovering: true }));
      return this.reconcile(host, workloads, opts);
    }
    const p = this.defaultPrefixes;
    const priv = this.privilegedPrefixes;
    const outcomes = { k: result.kept, r: result.restored, x: result.released } as Record<string, Lease[]>;
    for (const chunk of costBatches(workloads, opts.batch ?? RECONCILE_BATCH_WORKLOADS, RECONCILE_BATCH_COST)) {
      const suffixes = newLeaseSuffixes(chunk.length);
      const reported = chunk.flatMap((w, i) => [w.workloadId, w.level, REPORTED_KINDS[w.kind], suffixes[i]!, w.refusal ?? '']);
      const r = await this.ops.write(
        'reconcile',
        {
          host,
          hostTtlMs: this.hostTtlMs,
          processPrefix: p.process,
          mountPrefix: p.mount,
          roPrefix: p.ro,
          privilegedProcessPrefix: priv.process,
          privilegedMountPrefix: priv.mount,
          privilegedRoPrefix: priv.ro,
          ...this.limitArgs,
        },
        opts,
        reported,
      );
      while (!r.done) {
        const tag = r.str();
        if (tag !== 'c') {
          outcomes[tag]!.push(r.lease());
          continue;
        }
        const [workloadId, level, holderLeaseId, holderHost, holderWorkloadId] = [r.str(), r.str(), r.str(), r.str(), r.str()];
        const n = r.int();
        const code = r.int();
        const values = Array.from({ length: n - 1 }, () => r.str());
        const error = scriptError(code, values, this.settings.name);
        result.conflicts.push({ workloadId, level, error, holderLeaseId, holderHost, holderWorkloadId });
      }
    }
    // What the host holds but did not report: released, unless granted after we began.
    const reported = new Set(workloads.map((w) => w.workloadId));
    const held: string[] = [];
    for (let after = -1; ;) {
      const page = await this.ops.read('hostMembers', { host, after, limit: HOST_MEMBERS_PAGE }, opts);
      after = page.int();
      held.push(...page.strings());
      if (after < 0) break;
    }
    const unreported = held.filter((w) => !reported.has(w));
    const batch = opts.batch ?? RECONCILE_BATCH_WORKLOADS;
    for (let i = 0; i === 0 || i < unreported.length; i += batch) {
      const chunk = unreported.slice(i, i + batch);
      const last = i + batch >= unreported.length ? '1' : '0';
      const r = await this.ops.write('reconcileSweep', { host, hostTtlMs: this.hostTtlMs, startToken, last }, opts, chunk);
      result.released.push(...r.leases());
    }
    return result;
  }

  /** Records the claims of volumes added to a live lease. */
  async planVolumes(leaseId: string, claims: readonly Claim[], opts: CallOptions = {}): Promise<Lease> {
    const r = await this.ops.write('planVolumes', { leaseId, slot: slotOf(leaseId, this.space) }, opts, claimArgs(claims));
    return r.lease();
  }

  /**
   * Ends a lease (by id alone: for every member), or one member's share of
   * it (by host + workload, or by id + workload). `released` is false when
   * there was no live lease or member to end.
   */
  async release(
    ref: { leaseId?: string; host?: string; workloadId?: string; fencingToken?: string },
    opts: CallOptions = {},
  ): Promise<{ released: boolean; remaining: number; lease?: Lease }> {
    requireId('host', ref.host ?? '', { optional: true });
    requireId('workload_id', ref.workloadId ?? '', { optional: true });
    let byId = { leaseId: '', slot: '' as string | number };
    if (ref.leaseId !== undefined) {
      const slot = slotIn(ref.leaseId, this.space);
      // An id that names no slot names no lease: nothing to release.
      if (slot === undefined) return { released: false, remaining: 0 };
      byId = { leaseId: ref.leaseId, slot };
    }
    const r = await this.ops.write(
      'release',
      { ...byId, host: ref.host ?? '', workload: ref.workloadId ?? '', fencingToken: ref.fencingToken ?? '' },
      opts,
    );
    const released = r.flag();
    const remaining = r.int();
    return { released, remaining, ...(r.done ? {} : { lease: r.lease() }) };
  }

  async renew(leaseId: string, ttlSeconds: number, opts: CallOptions = {}): Promise<Lease> {
    const r = await this.ops.write('renew', { leaseId, slot: slotOf(leaseId, this.space), ttlMs: ttlSeconds * 1000 }, opts);
    return r.lease();
  }

  async get(ref: LeaseRef, opts: CallOptions = {}): Promise<Lease> {
    if (!('leaseId' in ref)) {
      requireId('host', ref.host);
      requireId('workload_id', ref.workloadId);
    }
    const args =
      'leaseId' in ref
        ? { leaseId: ref.leaseId, slot: slotOf(ref.leaseId, this.space), host: '', workload: '' }
        : { leaseId: '', slot: '', host: ref.host, workload: ref.workloadId };
    const r = await this.ops.read('getLease', args, opts);
    return r.lease();
  }

  /**
   * One page of live leases in (host, slot) order, starting after `after`.
   * `next` is where the following page starts, or undefined at the end.
   */
  async list(
    req: { host?: string; after?: ListCursor; limit: number },
    opts: CallOptions = {},
  ): Promise<{ leases: Lease[]; next?: ListCursor }> {
    requireId('host', req.host ?? '', { optional: true });
    requireId('page_token', req.after?.host ?? '', { optional: true });
    const r = await this.ops.read(
      'listLeases',
      { filter: req.host ?? '', cursorHost: req.after?.host ?? '', cursorSlot: req.after?.slot ?? '', limit: req.limit },
      opts,
    );
    const more = r.flag();
    const next = { host: r.str(), slot: r.int() };
    const n = r.int();
    const leases = Array.from({ length: n }, () => r.lease());
    return { leases, ...(more ? { next } : {}) };
  }

  async stats(opts: CallOptions = {}): Promise<PoolStats> {
    const r = await this.ops.read('poolStats', {}, opts, [], true);
    const [pool, sensitivity, categoryRange] = [r.str(), r.str(), r.str()];
    const [total, free, reserved, blocked, held] = [r.int(), r.int(), r.int(), r.int(), r.int()];
    return { pool, sensitivity, categoryRange, total, free, reserved, blocked, held, leased: total - free - reserved - blocked - held };
  }

  /**
   * A reader of the pool's lease events on `connection` (one of its own: a
   * blocking read holds it), after `after` or from now on.
   */
  eventFeed(connection: Redis | Cluster, after?: string): EventFeed {
    return new EventFeed(connection, this.keys, this.settings.name, after);
  }

  /** Reclaims up to `limit` expired leases; returns what it reclaimed. */
  async reap(limit: number, opts: CallOptions = {}): Promise<Lease[]> {
    return (await this.ops.write('reap', { limit }, opts)).leases();
  }
}
