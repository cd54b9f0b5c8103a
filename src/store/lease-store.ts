import { randomBytes } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { ReplyError } from 'ioredis';
import type { CategoryRange } from '../domain/categories.js';
import { formatCategoryRange } from '../domain/categories.js';
import type { Level } from '../domain/level.js';
import { formatLevel } from '../domain/level.js';
import { PairSpace } from '../domain/pairs.js';
import type { Profile } from '../domain/profile.js';
import { formatPrefix } from '../domain/context.js';
import { leaseKeys, poolKeys, type PoolKeys } from './keys.js';
import { KEYED_BASE, SLOT_LIMIT, SUFFIX_DIGITS, leaseSuffixFrom, newLeaseSuffixes, slotOfLeaseId } from './lease-id.js';
import { scriptCommands, type ScriptCommands, type ScriptReply } from './scripts.js';
import { LeaseNotFoundError, PoolNotInitializedError, ReplicationError, StoreError, StoreUnavailableError, scriptError } from './errors.js';

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


const DEFAULT_TIMEOUT_MS = 2000;
/**
 * The randomness of one allocation in one call: a uniform integer in
 * [0, 2^48) (the script's draw; scripts must be deterministic, so it comes
 * from here) and the lease id's random suffix.
 */
function allocationRandomness(): { draw: number; suffix: string } {
  const bytes = randomBytes(6 + SUFFIX_DIGITS);
  return { draw: bytes.readUIntBE(0, 6), suffix: leaseSuffixFrom(bytes.subarray(6)) };
}

/**
 * What one reconcile call may cost, in pair operations: a workload counts
 * RECONCILE_WORKLOAD_COST (writing its lease), a static level also the
 * pairs it covers (checking and blocking each). About 15 us a pair.
 */
const RECONCILE_BATCH_COST = 1024;
const RECONCILE_WORKLOAD_COST = 8;
/** How reconcile.lua names the kinds of reported levels. */
const REPORTED_KIND = { pair: 'p', static: 's', disabled: 'd' } as const;

/** Leases read per host_members call. */
const HOST_MEMBERS_PAGE = 500;

/**
 * Consecutive batches of at most `count` workloads each costing at most
 * `budget` (a workload dearer than the budget goes alone).
 */
export function costBatches<T extends { coveredPairs: number }>(items: readonly T[], count: number, budget: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let cost = 0;
  for (const item of items) {
    const c = RECONCILE_WORKLOAD_COST + item.coveredPairs;
    if (current.length > 0 && (current.length >= count || cost + c > budget)) {
      out.push(current);
      current = [];
      cost = 0;
    }
    current.push(item);
    cost += c;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Width of a lease in script replies: see leaseReply in scripts/includes/lease.lua. */
const LEASE_FIELDS = 12;
const KINDS: Record<string, LeaseKind> = { '': 'random', s: 'static', d: 'disabled' };

function parseClaims(text: string): Claim[] {
  if (text === '') return [];
  return text.split('\n').map((entry) => {
    const [scope, path, mode] = entry.split('\0') as [string, string, 'z' | 'Z'];
    return { scope, path, mode };
  });
}

/** A lease from its script reply fields (see leaseReply in scripts/includes/lease.lua). */
export function toLease(pool: string, f: readonly unknown[]): Lease {
  const str = (i: number) => String(f[i] ?? '');
  const members = str(2).split(' ').filter(Boolean);
  return {
    id: str(0),
    pool,
    kind: KINDS[str(10)] ?? 'random',
    host: str(1),
    workloadId: members[0] ?? '',
    members,
    level: str(3),
    fencingToken: str(4),
    createdAt: Number(f[5]),
    expiresAt: Number(f[6]),
    processLabel: str(7),
    mountLabel: str(8),
    roMountLabel: str(9),
    claims: parseClaims(str(11)),
  };
}

function toLeases(pool: string, flat: readonly unknown[]): Lease[] {
  const out: Lease[] = [];
  for (let i = 0; i + LEASE_FIELDS <= flat.length; i += LEASE_FIELDS) out.push(toLease(pool, flat.slice(i, i + LEASE_FIELDS)));
  return out;
}

/** The slot a lease id names in this pool, or undefined when it can name no lease here. */
function slotIn(id: string, space: PairSpace): number | undefined {
  const slot = slotOfLeaseId(id);
  if (slot === undefined || (slot >= space.size && slot < KEYED_BASE) || slot >= SLOT_LIMIT) return undefined;
  return slot;
}

/** A lease id's slot, or LeaseNotFoundError: an id that names no slot names no lease. */
function slotOf(id: string, space: PairSpace): number {
  const slot = slotIn(id, space);
  if (slot === undefined) throw new LeaseNotFoundError('no such lease');
  return slot;
}

function claimArgs(claims: readonly Claim[] = []): (string | number)[] {
  return [claims.length, ...claims.flatMap((c) => [c.scope, c.path, c.mode])];
}

/** Errors that mean "Redis is not there right now", as opposed to a bug. */
function isConnectionError(err: unknown): boolean {
  if (err instanceof ReplyError) {
    return /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/.test((err as Error).message);
  }
  return err instanceof Error;
}

/**
 * The lease store: one pool's state in Redis, changed only through the
 * atomic scripts in ./scripts, each in one round trip.
 */
export class LeaseStore {
  readonly keys: PoolKeys;
  readonly space: PairSpace;
  private readonly scripts: ScriptCommands;
  private readonly prefixes: readonly [string, string, string];

  private readonly writerScripts: ScriptCommands;

  /**
   * `replication`: with `replicas` > 0, every change runs on `writer` (a
   * connection of its own) and then waits there for that many replica
   * acknowledgements (WAIT) before it counts as done.
   */
  constructor(
    readonly redis: Redis | Cluster,
    readonly settings: PoolSettings,
    private readonly onPoolRecreated: (result: InitResult) => void = () => {},
    private readonly replication?: { readonly writer: Redis | Cluster; readonly replicas: number },
  ) {
    this.keys = poolKeys(settings.name);
    this.space = new PairSpace(settings.categories);
    this.scripts = scriptCommands(redis);
    this.writerScripts = replication ? scriptCommands(replication.writer) : this.scripts;
    const p = settings.profile;
    this.prefixes = [formatPrefix(p.process), formatPrefix(p.file), formatPrefix(p.roFile)];
  }

  /** Creates the pool or checks it against the settings; reconciles reserved pairs. */
  async init(opts: CallOptions = {}): Promise<InitResult> {
    const { name, sensitivity, categories, reserved } = this.settings;
    const args: (string | number)[] = [
      this.keys.prefix,
      name,
      sensitivity,
      formatCategoryRange(categories),
      categories.low,
      this.space.size,
    ];
    for (const level of reserved) {
      const rank = this.space.rankOfLevel(level);
      if (rank === undefined) throw new RangeError(`reserved level ${formatLevel(level)} is not a pair of this pool`);
      args.push(formatLevel(level), rank);
    }
    args.splice(6, 0, this.settings.eventRetention ?? 6_000);
    const reply = await this.call('initPool', leaseKeys(this.keys), args, opts);
    return { created: reply[1] === 1, unreserved: Number(reply[2]), reserved: Number(reply[3]) };
  }

  /** What a disabled label gets: the profile's prefixes with the privileged process type. */
  get privilegedPrefixes(): LabelPrefixes {
    const { process } = this.settings.profile;
    return { ...this.defaultPrefixes, process: formatPrefix({ ...process, type: this.settings.privilegedType ?? 'spc_t' }) };
  }

  /** The profile's prefixes: what a lease gets when the request sets no label options. */
  get defaultPrefixes(): LabelPrefixes {
    const [process, mount, ro] = this.prefixes;
    return { process, mount, ro };
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
    },
    opts: CallOptions = {},
  ): Promise<{ lease: Lease; created: boolean }> {
    const what = req.what ?? { kind: 'random' };
    const p = req.prefixes ?? this.defaultPrefixes;
    let join: [string, number | string] = ['', ''];
    if (what.kind === 'join') join = [what.leaseId, slotOf(what.leaseId, this.space)];
    const level = what.kind === 'random' ? '' : (what.level ?? '');
    const { draw, suffix } = allocationRandomness();
    // One id suffix and one random draw per call: if ioredis resends this
    // exact script after a reconnect, the script recognises its own lease.
    const args = [
      this.keys.prefix,
      req.host,
      req.workloadId,
      req.requestId ?? '',
      (req.ttlSeconds ?? 0) * 1000,
      draw,
      suffix,
      p.process,
      p.mount,
      p.ro,
      what.kind,
      level,
      ...join,
      this.hostTtlMs,
      ...this.limitArgs,
      ...claimArgs(req.claims),
    ];
    const reply = await this.mutate('allocate', args, opts);
    return { created: reply[1] === 1, lease: toLease(this.settings.name, reply.slice(2)) };
  }

  /** --host-quota, --host-static-quota, --max-static-pairs, as allocate.lua and reconcile.lua take them. */
  private get limitArgs(): [number, number, number] {
    return [this.settings.hostQuota ?? 0, this.settings.hostStaticQuota ?? 0, this.settings.maxStaticPairs ?? 0];
  }

  private get hostTtlMs(): number {
    return (this.settings.hostTtlSeconds ?? 0) * 1000;
  }

  /**
   * A host is alive: every lease it holds stays alive for `ttlSeconds`
   * (0 = the pool's host TTL). O(1) in the host's leases.
   */
  async heartbeat(host: string, ttlSeconds: number, opts: CallOptions = {}): Promise<{ expiresAt: number; leases: number }> {
    const ttl = this.hostTtlMs > 0 ? (ttlSeconds > 0 ? ttlSeconds * 1000 : this.hostTtlMs) : 0;
    const reply = await this.mutate('heartbeat', [this.keys.prefix, host, ttl], opts);
    return { expiresAt: Number(reply[1]), leases: Number(reply[2]) };
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
    const batch = opts.batch ?? 200;
    const result: ReconcileResult = { kept: [], restored: [], conflicts: [], released: [] };
    const startToken = await this.withTimeout(this.redis.hget(this.keys.meta, 'token'), opts);
    if (startToken === null) {
      await this.init(opts);
      return this.reconcile(host, workloads, opts);
    }
    const p = this.defaultPrefixes;
    const priv = this.privilegedPrefixes;
    for (const chunk of costBatches(workloads, batch, RECONCILE_BATCH_COST)) {
      const args: (string | number)[] = [
        this.keys.prefix, host, this.hostTtlMs, p.process, p.mount, p.ro, priv.process, priv.mount, priv.ro, ...this.limitArgs, chunk.length,
      ];
      const suffixes = newLeaseSuffixes(chunk.length);
      chunk.forEach((w, i) => args.push(w.workloadId, w.level, REPORTED_KIND[w.kind], suffixes[i]!, w.refusal ?? ''));
      const reply = await this.mutate('reconcile', args, opts);
      let k = 1;
      while (k < reply.length) {
        const tag = String(reply[k]);
        if (tag === 'c') {
          const [workloadId, level, holderLeaseId, holderHost, holderWorkloadId, code, ...values] = reply
            .slice(k + 1, k + 12)
            .map(String) as [string, string, string, string, string, string, ...string[]];
          const error = scriptError(Number(code), values, this.settings.name);
          result.conflicts.push({ workloadId, level, error, holderLeaseId, holderHost, holderWorkloadId });
          k += 12;
        } else {
          const lease = toLease(this.settings.name, reply.slice(k + 1, k + 1 + LEASE_FIELDS));
          ({ k: result.kept, r: result.restored, x: result.released } as Record<string, Lease[]>)[tag]!.push(lease);
          k += 1 + LEASE_FIELDS;
        }
      }
    }
    // What the host holds but did not report: released, unless granted after we began.
    const reported = new Set(workloads.map((w) => w.workloadId));
    const held: string[] = [];
    for (let after = -1; ; ) {
      const page = await this.call('hostMembers', leaseKeys(this.keys), [this.keys.prefix, host, after, HOST_MEMBERS_PAGE], opts);
      held.push(...page.slice(2).map(String));
      after = Number(page[1]);
      if (after < 0) break;
    }
    const unreported = held.filter((w) => !reported.has(w));
    for (let i = 0; i === 0 || i < unreported.length; i += batch) {
      const chunk = unreported.slice(i, i + batch);
      const last = i + batch >= unreported.length ? '1' : '0';
      const reply = await this.mutate('reconcileSweep', [this.keys.prefix, host, this.hostTtlMs, startToken, last, ...chunk], opts);
      result.released.push(...toLeases(this.settings.name, reply.slice(1)));
    }
    return result;
  }

  /** Records the claims of volumes added to a live lease. */
  async planVolumes(leaseId: string, claims: readonly Claim[], opts: CallOptions = {}): Promise<Lease> {
    const args = [this.keys.prefix, leaseId, slotOf(leaseId, this.space), ...claimArgs(claims)];
    const reply = await this.mutate('planVolumes', args, opts);
    return toLease(this.settings.name, reply.slice(1));
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
    let byId: [string, number | string] = ['', ''];
    if (ref.leaseId !== undefined) {
      const slot = slotIn(ref.leaseId, this.space);
      // An id that names no slot names no lease: nothing to release.
      if (slot === undefined) return { released: false, remaining: 0 };
      byId = [ref.leaseId, slot];
    }
    const args = [this.keys.prefix, ...byId, ref.host ?? '', ref.workloadId ?? '', ref.fencingToken ?? ''];
    const reply = await this.mutate('release', args, opts);
    const lease = reply.length > 3 ? toLease(this.settings.name, reply.slice(3)) : undefined;
    return { released: reply[1] === 1, remaining: Number(reply[2]), ...(lease ? { lease } : {}) };
  }

  async renew(leaseId: string, ttlSeconds: number, opts: CallOptions = {}): Promise<Lease> {
    const slot = slotOf(leaseId, this.space);
    const reply = await this.mutate('renew', [this.keys.prefix, leaseId, slot, ttlSeconds * 1000], opts);
    return toLease(this.settings.name, reply.slice(1));
  }

  async get(ref: LeaseRef, opts: CallOptions = {}): Promise<Lease> {
    const args =
      'leaseId' in ref
        ? [this.keys.prefix, ref.leaseId, slotOf(ref.leaseId, this.space), '', '']
        : [this.keys.prefix, '', '', ref.host, ref.workloadId];
    const reply = await this.call('getLease', leaseKeys(this.keys), args, opts);
    return toLease(this.settings.name, reply.slice(1));
  }

  /**
   * One page of live leases in (host, slot) order, starting after `after`.
   * `next` is where the following page starts, or undefined at the end.
   */
  async list(
    req: { host?: string; after?: ListCursor; limit: number },
    opts: CallOptions = {},
  ): Promise<{ leases: Lease[]; next?: ListCursor }> {
    const args = [this.keys.prefix, req.host ?? '', req.after?.host ?? '', req.after?.slot ?? '', req.limit];
    const reply = await this.call('listLeases', leaseKeys(this.keys), args, opts);
    const more = reply[1] === 1;
    const next = { host: String(reply[2]), slot: Number(reply[3]) };
    const leases = toLeases(this.settings.name, reply.slice(5, 5 + Number(reply[4]) * LEASE_FIELDS));
    return { leases, ...(more ? { next } : {}) };
  }

  async stats(opts: CallOptions = {}): Promise<PoolStats> {
    const reply = await this.withPool(() =>
      this.call('poolStats', [this.keys.meta, this.keys.reserved], [this.keys.prefix], opts),
    );
    const [, pool, sensitivity, categoryRange, total, free, reserved, blocked] = reply as [
      number,
      string,
      string,
      string,
      number,
      number,
      number,
      number,
    ];
    return { pool, sensitivity, categoryRange, total, free, reserved, blocked, leased: total - free - reserved - blocked };
  }

  /** Reclaims up to `limit` expired leases; returns what it reclaimed. */
  async reap(limit: number, opts: CallOptions = {}): Promise<Lease[]> {
    const reply = await this.mutate('reap', [this.keys.prefix, limit], opts);
    return toLeases(this.settings.name, reply.slice(1));
  }

  private mutate(
    name: 'allocate' | 'release' | 'renew' | 'planVolumes' | 'heartbeat' | 'reconcile' | 'reconcileSweep' | 'reap',
    args: (string | number)[],
    opts: CallOptions,
  ) {
    return this.withPool(async () => {
      const reply = await this.call(name, leaseKeys(this.keys), args, opts, this.writerScripts);
      // A sweep that reclaimed nothing wrote nothing: its WAIT would only
      // hold up the calls queued behind it on the writer connection.
      const wrote = name !== 'reap' || reply.length > 1;
      if (wrote && this.replication && this.replication.replicas > 0) await this.awaitReplicas(opts);
      return reply;
    });
  }

  /**
   * WAIT on the writer connection covers every change sent on it so far. For
   * a Cluster it must reach the pool's primary: a pipeline is routed by its
   * first key.
   */
  private async awaitReplicas(opts: CallOptions): Promise<void> {
    const { writer, replicas } = this.replication!;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Redis checks WAIT timeouts from its cron (every 100 ms at the default
    // hz): leave that much room so the answer comes before our own bound.
    const waitMs = Math.max(10, timeoutMs - 250);
    const acked = await this.withTimeout(
      writer.isCluster
        ? (writer as Cluster)
            .pipeline()
            .exists(this.keys.meta)
            .wait(replicas, waitMs)
            .exec()
            .then((r) => Number(r?.[1]?.[1] ?? 0))
        : (writer as Redis).wait(replicas, waitMs),
      { timeoutMs },
    );
    if (acked < replicas) {
      throw new ReplicationError(
        `the change is applied on the primary but only ${acked} of ${replicas} replicas acknowledged it within ${waitMs} ms; ` +
          'retrying the same request is safe',
        { acknowledged: String(acked), required: String(replicas) },
      );
    }
  }

  /**
   * If Redis lost the pool (a restart without persistence, a failover to an
   * empty replica), create it again and retry once. The fencing counter is
   * seeded from the clock, so tokens still grow; the lost leases themselves
   * are gone, which the log says loudly.
   */
  private async withPool(fn: () => Promise<ScriptReply>): Promise<ScriptReply> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof PoolNotInitializedError)) throw err;
      this.onPoolRecreated(await this.init());
      return fn();
    }
  }

  /** A plain Redis read, bounded like the scripts. */
  private async withTimeout<T>(p: Promise<T>, opts: CallOptions): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof StoreError || !isConnectionError(err)) throw err;
      throw new StoreUnavailableError(`Redis is unavailable: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async call(
    name: keyof ScriptCommands,
    keys: string[],
    args: (string | number)[],
    opts: CallOptions,
    scripts: ScriptCommands = this.scripts,
  ): Promise<ScriptReply> {
    const reply = await this.withTimeout(scripts[name](keys, args), opts);
    if (reply[0] !== 0) throw scriptError(reply[0], reply.slice(1), this.settings.name);
    return reply;
  }
}
