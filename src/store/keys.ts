import { POOL_KEYS, type PoolKeyName } from './contract.js';

/**
 * Redis key layout of one pool. Every key carries the pool name as its hash
 * tag, so a pool lives in a single Redis Cluster slot and one script can
 * touch all of it atomically; different pools spread over the slots. The
 * declared keys are contract.ts POOL_KEYS (`mcs:{pool}:<name>`).
 */
export type PoolKeys = { readonly [K in PoolKeyName]: string } & {
  /** `mcs:{pool}:`, passed to every script to build per-lease and per-host keys. */
  readonly prefix: string;
};

const POOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidPoolName(name: string): boolean {
  return POOL_NAME.test(name);
}

export function poolKeys(pool: string): PoolKeys {
  if (!isValidPoolName(pool)) throw new RangeError(`invalid pool name ${JSON.stringify(pool)}`);
  const prefix = `mcs:{${pool}}:`;
  const keys = Object.fromEntries(POOL_KEYS.map((name) => [name, `${prefix}${name}`])) as { [K in PoolKeyName]: string };
  return { prefix, ...keys };
}

/**
 * The keys every operation declares: the pool's meta alone. It routes the
 * call on a Cluster; the scripts build every other key from the prefix
 * (ARGV[1]), in the same slot through the hash tag. Declaring all fifteen
 * cost each Allocate about a third of its binding work in Redis.
 */
export function leaseKeys(k: PoolKeys): string[] {
  return [k.meta];
}
