import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import { LEASE_LIMITS } from './limits.js';

/**
 * The store's operations, one Lua file each (header: KEYS, ARGV, replies).
 * They are loaded into Redis once as one function library (FUNCTION LOAD)
 * and called with FCALL: each call runs exactly one operation atomically,
 * without re-running the definitions of the shared helpers in includes/
 * (EVAL runs a script's whole body, helper definitions included, on every
 * call: 11 µs of the 66 µs an Allocate took).
 */
export const SCRIPTS = {
  initPool: 'init_pool.lua',
  allocate: 'allocate.lua',
  release: 'release.lua',
  renew: 'renew.lua',
  reap: 'reap.lua',
  planVolumes: 'plan_volumes.lua',
  heartbeat: 'heartbeat.lua',
  reconcile: 'reconcile.lua',
  reconcileSweep: 'reconcile_sweep.lua',
  getLease: 'get_lease.lua',
  listLeases: 'list_leases.lua',
  hostMembers: 'host_members.lua',
  poolStats: 'pool_stats.lua',
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** The shared helpers, in the order they build on each other. */
const INCLUDES = ['keys.lua', 'common.lua', 'pairs.lua', 'lease.lua', 'statics.lua', 'claims.lua', 'events.lua', 'drop.lua'];

const scriptsDir = new URL('./scripts/', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, scriptsDir)), 'utf8');
const READ_ONLY = /^#!lua flags=no-writes\n/;

export interface Library {
  /** Library name, versioned by its content: replicas of different versions never replace each other's code. */
  readonly name: string;
  readonly code: string;
  /** Operation -> the Redis function that runs it. */
  readonly functions: Record<ScriptName, string>;
}

let built: Library | undefined;

/** Replaces each `@NAME@` of a constant of limits.ts with its value; an unknown name is a bug. */
function spliceConstants(code: string): string {
  return code.replace(/@([A-Z_]+)@/g, (token, name: string) => {
    if (name === 'LIB') return token;
    const value = (LEASE_LIMITS as Record<string, number>)[name];
    if (value === undefined) throw new Error(`the Lua library uses ${token}, which limits.ts does not define`);
    return String(value);
  });
}

/**
 * The function library: the helpers once, then each operation as a function
 * that first binds its call's keys and arguments (bindCall in keys.lua).
 */
export function library(): Library {
  if (built) return built;
  const parts = INCLUDES.map((f) => read(`includes/${f}`));
  const registrations: string[] = [];
  for (const [name, file] of Object.entries(SCRIPTS)) {
    const source = read(file);
    const readOnly = READ_ONLY.test(source);
    parts.push(`local function op_${name}(keys, args)\n  bindCall(keys, args)\n${source.replace(READ_ONLY, '')}\nend`);
    const flags = readOnly ? ", flags = {'no-writes'}" : '';
    registrations.push(`redis.register_function{function_name = '@LIB@_${name}', callback = op_${name}${flags}}`);
  }
  const body = spliceConstants([...parts, ...registrations].join('\n'));
  const lib = `mcs_${createHash('sha1').update(body).digest('hex').slice(0, 12)}`;
  const functions = Object.fromEntries(Object.keys(SCRIPTS).map((n) => [n, `${lib}_${n}`])) as Record<ScriptName, string>;
  built = { name: lib, code: `#!lua name=${lib}\n${body.replaceAll('@LIB@', lib)}`, functions };
  return built;
}

/** A script reply: a status code first, then its values (see each header). */
export type ScriptReply = [number, ...unknown[]];

export type ScriptCommands = {
  [K in ScriptName]: (keys: string[], args: (string | number)[]) => Promise<ScriptReply>;
};

/** Redis has no such function: a restart or failover to a server without the library, or its first use. */
function isFunctionMissing(err: unknown): boolean {
  return err instanceof ReplyError && /^ERR Function not found/.test((err as Error).message);
}

const loading = new WeakMap<object, Promise<void>>();

/**
 * Loads the library on the server(s) of a client: on a Cluster, on every
 * primary (replicas get it through replication). Concurrent callers share
 * one load.
 */
function loadLibrary(redis: Redis | Cluster): Promise<void> {
  let p = loading.get(redis);
  if (!p) {
    const { code } = library();
    const servers = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
    p = Promise.all(servers.map((s) => s.call('FUNCTION', 'LOAD', 'REPLACE', code))).then(
      () => {
        loading.delete(redis);
      },
      (err: unknown) => {
        loading.delete(redis);
        throw err;
      },
    );
    loading.set(redis, p);
  }
  return p;
}

/**
 * Typed callers of the operations on a client. A call that finds the
 * library missing loads it and runs again: nothing ran the first time.
 */
export function scriptCommands(redis: Redis | Cluster): ScriptCommands {
  const { functions } = library();
  const commands = {} as ScriptCommands;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const fcall = (keys: string[], args: (string | number)[]) =>
      redis.call('FCALL', functions[name], keys.length, ...keys, ...args) as Promise<ScriptReply>;
    commands[name] = async (keys, args) => {
      try {
        return await fcall(keys, args);
      } catch (err) {
        if (!isFunctionMissing(err)) throw err;
        await loadLibrary(redis);
        return fcall(keys, args);
      }
    };
  }
  return commands;
}
