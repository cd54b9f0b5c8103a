/**
 * Redis key layout of one pool. Every key carries the pool name as its hash
 * tag, so a pool lives in a single Redis Cluster slot and one script can
 * touch all of it atomically; different pools spread over the slots.
 */
export interface PoolKeys {
  /** `mcs:{pool}:`, passed to every script to build per-lease and per-host keys. */
  readonly prefix: string;
  readonly meta: string;
  readonly slots: string;
  readonly pos: string;
  readonly workloads: string;
  readonly levels: string;
  readonly requests: string;
  readonly all: string;
  readonly expiry: string;
  readonly reserved: string;
}

const POOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidPoolName(name: string): boolean {
  return POOL_NAME.test(name);
}

export function poolKeys(pool: string): PoolKeys {
  if (!isValidPoolName(pool)) throw new RangeError(`invalid pool name ${JSON.stringify(pool)}`);
  const prefix = `mcs:{${pool}}:`;
  return {
    prefix,
    meta: `${prefix}meta`,
    slots: `${prefix}slots`,
    pos: `${prefix}pos`,
    workloads: `${prefix}workloads`,
    levels: `${prefix}levels`,
    requests: `${prefix}requests`,
    all: `${prefix}all`,
    expiry: `${prefix}expiry`,
    reserved: `${prefix}reserved`,
  };
}

/** The eight keys every mutating script declares, in the order their headers document. */
export function mutationKeys(k: PoolKeys): string[] {
  return [k.meta, k.slots, k.pos, k.workloads, k.levels, k.requests, k.all, k.expiry];
}
