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
import { mutationKeys, poolKeys, type PoolKeys } from './keys.js';
import { scriptCommands, type ScriptCommands, type ScriptReply } from './scripts.js';
import { PoolNotInitializedError, StoreError, StoreUnavailableError, scriptError } from './errors.js';

export interface PoolSettings {
  readonly name: string;
  /** Sensitivity of every level in the pool, e.g. "s0". */
  readonly sensitivity: string;
  readonly categories: CategoryRange;
  /** Pairs (two categories inside the range) that are never handed out. */
  readonly reserved: readonly Level[];
  readonly profile: Profile;
}

export interface Lease {
  readonly id: string;
  readonly pool: string;
  readonly host: string;
  readonly workloadId: string;
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
}

export interface InitResult {
  readonly created: boolean;
  readonly unreserved: number;
  readonly reserved: number;
}

export interface ReapedLease {
  readonly id: string;
  readonly host: string;
  readonly workloadId: string;
  readonly level: string;
}

/** Per-call options: how long to wait for Redis before answering UNAVAILABLE. */
export interface CallOptions {
  readonly timeoutMs?: number;
}

export type LeaseRef = { readonly leaseId: string } | { readonly host: string; readonly workloadId: string };

const DEFAULT_TIMEOUT_MS = 2000;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 16 characters, 80 random bits: ids are never reused, even across pool re-creation. */
export function newLeaseId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** A uniform integer in [0, 2^48): the allocation script's only source of randomness. */
function random48(): number {
  return randomBytes(6).readUIntBE(0, 6);
}

function toLease(flat: readonly unknown[]): Lease {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[String(flat[i])] = String(flat[i + 1]);
  return {
    id: f.id ?? '',
    pool: f.pool ?? '',
    host: f.host ?? '',
    workloadId: f.workload ?? '',
    level: f.level ?? '',
    processLabel: f.process ?? '',
    mountLabel: f.mount ?? '',
    roMountLabel: f.ro ?? '',
    fencingToken: f.token ?? '0',
    createdAt: Number(f.created ?? 0),
    expiresAt: Number(f.expires ?? 0),
  };
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

  constructor(
    readonly redis: Redis | Cluster,
    readonly settings: PoolSettings,
    private readonly onPoolRecreated: (result: InitResult) => void = () => {},
  ) {
    this.keys = poolKeys(settings.name);
    this.space = new PairSpace(settings.categories);
    this.scripts = scriptCommands(redis);
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
    const reply = await this.call('initPool', [...mutationKeys(this.keys), this.keys.reserved], args, opts);
    return { created: reply[1] === 1, unreserved: Number(reply[2]), reserved: Number(reply[3]) };
  }

  async allocate(
    req: { host: string; workloadId: string; requestId?: string; ttlSeconds?: number },
    opts: CallOptions = {},
  ): Promise<{ lease: Lease; created: boolean }> {
    // One id and one random draw per call: if ioredis resends this exact
    // script after a reconnect, the script recognises its own lease.
    const args = [
      this.keys.prefix,
      req.host,
      req.workloadId,
      req.requestId ?? '',
      (req.ttlSeconds ?? 0) * 1000,
      random48(),
      newLeaseId(),
      ...this.prefixes,
    ];
    const reply = await this.mutate('allocate', args, opts);
    return { created: reply[1] === 1, lease: toLease(reply.slice(2)) };
  }

  /** Ends a lease. `released` is false when there was no live lease to end. */
  async release(
    ref: LeaseRef & { host?: string; fencingToken?: string },
    opts: CallOptions = {},
  ): Promise<{ released: boolean; lease?: Lease }> {
    const byId = 'leaseId' in ref;
    const args = [
      this.keys.prefix,
      byId ? ref.leaseId : '',
      ref.host ?? '',
      byId ? '' : ref.workloadId,
      ref.fencingToken ?? '',
    ];
    const reply = await this.mutate('release', args, opts);
    const lease = reply.length > 2 ? toLease(reply.slice(2)) : undefined;
    return { released: reply[1] === 1, ...(lease ? { lease } : {}) };
  }

  async renew(leaseId: string, ttlSeconds: number, opts: CallOptions = {}): Promise<Lease> {
    const reply = await this.mutate('renew', [this.keys.prefix, leaseId, ttlSeconds * 1000], opts);
    return toLease(reply.slice(1));
  }

  async get(ref: LeaseRef, opts: CallOptions = {}): Promise<Lease> {
    const args =
      'leaseId' in ref ? [this.keys.prefix, ref.leaseId, '', ''] : [this.keys.prefix, '', ref.host, ref.workloadId];
    const reply = await this.call('getLease', [this.keys.workloads], args, opts);
    return toLease(reply.slice(1));
  }

  /** One page of live leases after `afterToken` (exclusive), in grant order. */
  async list(
    req: { host?: string; afterToken?: string; limit: number },
    opts: CallOptions = {},
  ): Promise<{ leases: Lease[]; lastToken: string; more: boolean }> {
    const args = [this.keys.prefix, req.host ?? '', req.afterToken ?? '', req.limit];
    const reply = await this.call('listLeases', [this.keys.all], args, opts);
    const lastToken = String(reply[1]);
    const more = reply[2] === 1;
    const n = Number(reply[3]);
    const leases: Lease[] = [];
    let i = 4;
    for (let k = 0; k < n; k++) {
      const len = Number(reply[i]);
      leases.push(toLease(reply.slice(i + 1, i + 1 + len)));
      i += 1 + len;
    }
    return { leases, lastToken, more };
  }

  async stats(opts: CallOptions = {}): Promise<PoolStats> {
    const reply = await this.withPool(() =>
      this.call('poolStats', [this.keys.meta, this.keys.reserved], [this.keys.prefix], opts),
    );
    const [, pool, sensitivity, categoryRange, total, free, reserved] = reply as [
      number,
      string,
      string,
      string,
      number,
      number,
      number,
    ];
    return { pool, sensitivity, categoryRange, total, free, reserved, leased: total - free - reserved };
  }

  /** Reclaims up to `limit` expired leases; returns what it reclaimed. */
  async reap(limit: number, opts: CallOptions = {}): Promise<ReapedLease[]> {
    const reply = await this.call('reap', mutationKeys(this.keys), [this.keys.prefix, limit], opts);
    const out: ReapedLease[] = [];
    for (let i = 1; i + 3 < reply.length; i += 4) {
      out.push({
        id: String(reply[i]),
        host: String(reply[i + 1]),
        workloadId: String(reply[i + 2]),
        level: String(reply[i + 3]),
      });
    }
    return out;
  }

  private mutate(name: 'allocate' | 'release' | 'renew', args: (string | number)[], opts: CallOptions) {
    return this.withPool(() => this.call(name, mutationKeys(this.keys), args, opts));
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

  private async call(
    name: keyof ScriptCommands,
    keys: string[],
    args: (string | number)[],
    opts: CallOptions,
  ): Promise<ScriptReply> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    let reply: ScriptReply;
    try {
      reply = await Promise.race([this.scripts[name](keys, args), timeout]);
    } catch (err) {
      if (err instanceof StoreError || !isConnectionError(err)) throw err;
      throw new StoreUnavailableError(`Redis is unavailable: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (reply[0] !== 0) throw scriptError(reply[0], reply.slice(1), this.settings.name);
    return reply;
  }
}
