/**
 * The contract between the lease store's TypeScript and its Lua: every name,
 * code and constant both sides use, defined once here. The library builder
 * (scripts.ts) writes them into the Lua as tables (`Key.<name>`, `E.<NAME>`,
 * `C.<NAME>`, the reply field orders), and test/unit/store-contract.test.ts
 * checks that the Lua uses no name this file does not define.
 */
import { LEASE_LIMITS } from './limits.js';

/**
 * The pool's keys (`<prefix><name>`); Lua binds them as `Key.<name>` from
 * the call's prefix (Call.bind). Calls declare only `meta` in KEYS.
 */
export const POOL_KEYS = [
  'meta', // HASH   pool settings, free count, counters
  'slots', // STRING position -> rank (u24, value+1)
  'pos', // STRING rank -> position (u24, value+1)
  'leases', // HASH   slot -> lease record
  'hosts', // ZSET   hosts holding leases (score 0, by name)
  'expiry', // ZSET   expiry bucket -> earliest expiry in it (ms)
  'labels', // HASH   interned context prefixes
  'blocked', // HASH   rank -> number of static levels blocking it
  'kfree', // LIST   recycled slots of leases without a pair
  'reserved', // HASH   reserved level -> rank
  'events', // STREAM lease events, capped
  'hostexp', // ZSET   host scored by the time its leases lapse (--host-ttl)
  'hostdead', // HASH   host -> when its leases were reclaimed for a missed heartbeat
] as const;
export type PoolKeyName = (typeof POOL_KEYS)[number];

/**
 * Error codes the scripts answer with (`{E.NAME, values...}`), by name. The
 * TypeScript side turns each into a typed StoreError (errors.ts, one case
 * per name, checked by the compiler).
 */
export const SCRIPT_ERRORS = {
  POOL_NOT_INITIALIZED: 1,
  POOL_EXHAUSTED: 2,
  LEASE_NOT_FOUND: 3,
  HOST_MISMATCH: 5,
  FENCING_TOKEN_MISMATCH: 6,
  REQUEST_ID_REUSED: 7,
  CATEGORIES_MISMATCH: 8,
  RESERVED_IN_USE: 9,
  POOL_STATE_INCONSISTENT: 11,
  LEVEL_IN_USE: 12,
  LEVEL_CONFLICT: 13,
  LEVEL_RESERVED: 14,
  VOLUME_CONFLICT: 15,
  WORKLOAD_HAS_LEASE: 16,
  SHARE_MISMATCH: 17,
  KEYED_EXHAUSTED: 18,
  HOST_EXPIRED: 19,
  HOST_QUOTA: 20,
  LAYOUT_MISMATCH: 21,
  LEVEL_TOO_WIDE: 22,
  HOST_STATIC_QUOTA: 23,
  LEASE_TOO_LARGE: 24,
  NOT_AUTHORIZED: 25,
  POOL_RECOVERING: 26,
  STABLE_KEY_IN_USE: 27,
  STABLE_KEY_LEVEL_MISMATCH: 28,
} as const;
export type ScriptErrorName = keyof typeof SCRIPT_ERRORS;

/** The name of a script's error code, or undefined for a code no script sends. */
export function scriptErrorName(code: number): ScriptErrorName | undefined {
  return (Object.keys(SCRIPT_ERRORS) as ScriptErrorName[]).find((n) => SCRIPT_ERRORS[n] === code);
}

/**
 * Lease slots: a pair lease's slot is its rank (below KEYED_BASE, which is
 * 16 * 32^3, above every rank of c0.c1023); a lease without a pair of its
 * own takes a slot from KEYED_BASE up to KEYED_MAX (32^4: four base32
 * digits).
 */
export const SLOTS = {
  KEYED_BASE: 524_288,
  KEYED_MAX: 1_048_576,
} as const;

/** Constants both sides use; Lua sees them as `C.<NAME>`. */
export const CONSTANTS = {
  ...SLOTS,
  ...LEASE_LIMITS,
  /** The key layout these scripts read and write; a pool of another is refused. */
  LAYOUT_VERSION: 4,
  /** Slots per expiry bucket (exp:<b>). */
  EXPIRY_BUCKET: 128,
} as const;

/** How a lease record stores its kind (`r.kind`); Lua sees them as `C.KIND_<KIND>`. */
export const LEASE_KINDS = { random: '', static: 's', disabled: 'd' } as const;
export type LeaseKindName = keyof typeof LEASE_KINDS;

/** The kind of a lease from its stored code ('' for an unknown one: a random pair). */
export function leaseKindOf(code: string): LeaseKindName {
  return (Object.keys(LEASE_KINDS) as LeaseKindName[]).find((k) => LEASE_KINDS[k] === code) ?? 'random';
}

/** How reconcile.lua names the kind of a reported level; Lua sees them as `C.REPORTED_<KIND>`. */
export const REPORTED_KINDS = { pair: 'p', static: 's', disabled: 'd' } as const;

/**
 * A lease in every script reply, field by field in this order (Lua:
 * Records.leaseReply). `members` is the workload ids joined by spaces,
 * `labels` the context prefixes "process\tmount\tro" (each context is
 * prefix:level), `claims` "scope\0path\0mode" entries joined by "\n";
 * `heldUntil` is set (ms) for a pair held for its stable key, '' for a lease.
 */
export const LEASE_REPLY = [
  'id',
  'host',
  'members',
  'level',
  'token',
  'created',
  'expires',
  'labels',
  'kind',
  'claims',
  'stableKey',
  'heldUntil',
] as const;

/**
 * A lease in an event of the stream (events.lua), as a JSON array in this
 * order: the contexts are an interned labels id, which readers resolve.
 */
export const EVENT_LEASE = [
  'id',
  'host',
  'members',
  'level',
  'token',
  'created',
  'expires',
  'labels',
  'kind',
  'claims',
  'stableKey',
  'held',
] as const;

/**
 * The Lua source of the contract's tables, spliced before the helpers:
 * plain assignments, because nothing of Lua's standard library (not even
 * `pairs`) exists while Redis loads a function library.
 */
export function luaContract(): string {
  const str = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const list = (xs: readonly string[]) => `{${xs.map(str).join(', ')}}`;
  const assign = (table: string, o: Record<string, string | number>) =>
    Object.entries(o).map(([k, v]) => `${table}.${k} = ${typeof v === 'number' ? String(v) : str(v)}`);
  const upper = (o: Record<string, string>, prefix: string) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}${k.toUpperCase()}`, v]));
  return [
    '-- Generated from src/store/contract.ts when the library is built.',
    `Key.NAMES = ${list(POOL_KEYS)}`,
    ...assign('E', SCRIPT_ERRORS),
    ...assign('C', { ...CONSTANTS, ...upper(LEASE_KINDS, 'KIND_'), ...upper(REPORTED_KINDS, 'REPORTED_') }),
    `Records.REPLY = ${list(LEASE_REPLY)}`,
    `Events.LEASE = ${list(EVENT_LEASE)}`,
  ].join('\n');
}
