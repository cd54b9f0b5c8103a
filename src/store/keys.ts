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
  readonly leases: string;
  readonly hosts: string;
  readonly expiry: string;
  readonly labels: string;
  readonly blocked: string;
  readonly kfree: string;
  readonly reserved: string;
  readonly events: string;
  readonly hostexp: string;
  readonly hostdead: string;
  readonly hostuse: string;
  readonly members: string;
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
    leases: `${prefix}leases`,
    hosts: `${prefix}hosts`,
    expiry: `${prefix}expiry`,
    labels: `${prefix}labels`,
    blocked: `${prefix}blocked`,
    kfree: `${prefix}kfree`,
    reserved: `${prefix}reserved`,
    events: `${prefix}events`,
    hostexp: `${prefix}hostexp`,
    hostdead: `${prefix}hostdead`,
    hostuse: `${prefix}hostuse`,
    members: `${prefix}members`,
  };
}

/** The keys every lease script declares, in the order their headers document. */
export function leaseKeys(k: PoolKeys): string[] {
  return [
    k.meta, k.slots, k.pos, k.leases, k.hosts, k.expiry, k.labels,
    k.blocked, k.kfree, k.reserved, k.events, k.hostexp, k.hostdead, k.hostuse, k.members,
  ];
}
