/**
 * The store's operations: one Lua file each (scripts/<file>), with the
 * names of its arguments in ARGV order. The Lua reads them as `A.<name>`
 * (and `A.rest`, the index where a variadic tail begins), which the
 * library builder turns into positions (luaBindArgs), and `operationArgs` builds the ARGV of a call from the same
 * names, so the two sides cannot disagree on a position. Every operation
 * declares one key, the pool's meta (which routes it on a Cluster), and
 * builds the others from the prefix (contract.ts POOL_KEYS); each file's header
 * documents what its arguments mean and what it answers.
 */
export interface OperationSpec {
  readonly file: string;
  /** Arguments by name, in ARGV order (the pool's key prefix is always first). */
  readonly args: readonly string[];
  /** What follows the named arguments, when anything does (documentation; Lua reads it from A.rest). */
  readonly rest?: string;
  /** Declared `no-writes`: runs on replicas and under OOM. */
  readonly readOnly?: boolean;
}

export const OPERATIONS = {
  initPool: {
    file: 'init_pool.lua',
    args: ['prefix', 'pool', 'sensitivity', 'categories', 'low', 'total', 'eventRetention', 'recoveryMs'],
    rest: 'reserved pairs: level, rank, level, rank, ...',
  },
  allocate: {
    file: 'allocate.lua',
    args: [
      'prefix',
      'host',
      'workload',
      'requestId',
      'ttlMs',
      'random',
      'suffix',
      'processPrefix',
      'mountPrefix',
      'roPrefix',
      'mode',
      'level',
      'joinId',
      'joinSlot',
      'hostTtlMs',
      'hostQuota',
      'hostStaticQuota',
      'maxStaticPairs',
      'stableKey',
      'stableScope',
      'retentionMs',
    ],
    rest: 'volume claims: scope, path, mode, ...',
  },
  release: { file: 'release.lua', args: ['prefix', 'leaseId', 'slot', 'host', 'workload', 'fencingToken'] },
  renew: { file: 'renew.lua', args: ['prefix', 'leaseId', 'slot', 'ttlMs'] },
  reap: { file: 'reap.lua', args: ['prefix', 'limit'] },
  planVolumes: { file: 'plan_volumes.lua', args: ['prefix', 'leaseId', 'slot'], rest: 'volume claims: scope, path, mode, ...' },
  heartbeat: { file: 'heartbeat.lua', args: ['prefix', 'host', 'ttlMs', 'knownEpoch', 'recoveryMs'] },
  reconcile: {
    file: 'reconcile.lua',
    args: [
      'prefix',
      'host',
      'hostTtlMs',
      'processPrefix',
      'mountPrefix',
      'roPrefix',
      'privilegedProcessPrefix',
      'privilegedMountPrefix',
      'privilegedRoPrefix',
      'hostQuota',
      'hostStaticQuota',
      'maxStaticPairs',
    ],
    rest: 'reported workloads: id, level, kind, lease id suffix, refusal, ...',
  },
  reconcileSweep: { file: 'reconcile_sweep.lua', args: ['prefix', 'host', 'hostTtlMs', 'startToken', 'last'], rest: 'workload ids' },
  getLease: { file: 'get_lease.lua', args: ['prefix', 'leaseId', 'slot', 'host', 'workload'], readOnly: true },
  listLeases: { file: 'list_leases.lua', args: ['prefix', 'filter', 'cursorHost', 'cursorSlot', 'limit'], readOnly: true },
  hostMembers: { file: 'host_members.lua', args: ['prefix', 'host', 'after', 'limit'], readOnly: true },
  listHolds: { file: 'list_holds.lua', args: ['prefix', 'filter', 'cursorSlot', 'limit'], readOnly: true },
  poolStats: { file: 'pool_stats.lua', args: ['prefix'], readOnly: true },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;
export type ArgValue = string | number;
/** The named arguments of an operation, every one required. */
export type OperationArgs<N extends OperationName> = { readonly [K in (typeof OPERATIONS)[N]['args'][number]]: ArgValue };

/** ARGV of one call: the named arguments in their order, then the tail. */
export function operationArgs<N extends OperationName>(name: N, named: OperationArgs<N>, rest: readonly ArgValue[] = []): ArgValue[] {
  const spec: OperationSpec = OPERATIONS[name];
  const values = named as Record<string, ArgValue>;
  const out = spec.args.map((arg) => {
    const v = values[arg];
    if (v === undefined) throw new RangeError(`${name}: argument ${arg} is missing`);
    return v;
  });
  return out.concat(rest);
}

/**
 * An operation's Lua with its arguments bound by name: each `A.<name>`
 * becomes `args[<position>]` and `A.rest` the position where the tail
 * begins, so no table of arguments is built per call.
 */
export function luaBindArgs(name: OperationName, source: string): string {
  const spec: OperationSpec = OPERATIONS[name];
  return source.replace(/\bA\.(\w+)\b/g, (_, arg: string) => {
    if (arg === 'rest') return String(spec.args.length + 1);
    const i = spec.args.indexOf(arg);
    if (i < 0) throw new Error(`${spec.file}: A.${arg} is not an argument of ${name}`);
    return `args[${i + 1}]`;
  });
}
