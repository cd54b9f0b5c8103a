import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis, Cluster } from 'ioredis';

/** Every lease script declares the same keys: see leaseKeys in keys.ts. */
const LEASE_KEY_COUNT = 15;

/**
 * The Lua scripts, one file per operation. Shared fragments live in
 * scripts/includes and are spliced in where a script says
 * `-- @include "name.lua"`, so what Redis runs is still one self-contained
 * script. ioredis `defineCommand` sends EVALSHA and falls back to EVAL on
 * NOSCRIPT, which covers a Redis restart or failover losing the script cache.
 */
export const SCRIPTS = {
  initPool: { file: 'init_pool.lua', keys: LEASE_KEY_COUNT },
  allocate: { file: 'allocate.lua', keys: LEASE_KEY_COUNT },
  release: { file: 'release.lua', keys: LEASE_KEY_COUNT },
  renew: { file: 'renew.lua', keys: LEASE_KEY_COUNT },
  reap: { file: 'reap.lua', keys: LEASE_KEY_COUNT },
  planVolumes: { file: 'plan_volumes.lua', keys: LEASE_KEY_COUNT },
  heartbeat: { file: 'heartbeat.lua', keys: LEASE_KEY_COUNT },
  reconcile: { file: 'reconcile.lua', keys: LEASE_KEY_COUNT },
  reconcileSweep: { file: 'reconcile_sweep.lua', keys: LEASE_KEY_COUNT },
  getLease: { file: 'get_lease.lua', keys: LEASE_KEY_COUNT },
  listLeases: { file: 'list_leases.lua', keys: LEASE_KEY_COUNT },
  hostMembers: { file: 'host_members.lua', keys: LEASE_KEY_COUNT },
  poolStats: { file: 'pool_stats.lua', keys: 2 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const scriptsDir = new URL('./scripts/', import.meta.url);
const INCLUDE = /^-- @include "([a-z_]+\.lua)"$/gm;

export function loadScript(file: string): string {
  const source = readFileSync(fileURLToPath(new URL(file, scriptsDir)), 'utf8');
  return source.replace(INCLUDE, (_line, name: string) =>
    readFileSync(fileURLToPath(new URL(`includes/${name}`, scriptsDir)), 'utf8'),
  );
}

/** A script reply: a status code first, then its values (see each header). */
export type ScriptReply = [number, ...unknown[]];

export type ScriptCommands = {
  [K in ScriptName]: (keys: string[], args: (string | number)[]) => Promise<ScriptReply>;
};

const defined = new WeakSet<object>();

/** Registers every script on a client once and returns typed callers. */
export function scriptCommands(redis: Redis | Cluster): ScriptCommands {
  const client = redis as unknown as Record<string, (...args: unknown[]) => Promise<ScriptReply>>;
  if (!defined.has(redis)) {
    for (const [name, { file, keys }] of Object.entries(SCRIPTS)) {
      redis.defineCommand(`mcs_${name}`, { lua: loadScript(file), numberOfKeys: keys });
    }
    defined.add(redis);
  }
  const commands = {} as ScriptCommands;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    commands[name] = (keys, args) => client[`mcs_${name}`]!.call(redis, ...keys, ...args);
  }
  return commands;
}
