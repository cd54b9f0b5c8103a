import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { Command, ReplyError } from 'ioredis';
import { luaContract } from './contract.js';
import { OPERATIONS, luaBindArgs, type OperationName } from './operations.js';

/**
 * The store's operations (operations.ts, one Lua file each) and the shared
 * helpers in scripts/includes/ are loaded into Redis once as one function
 * library (FUNCTION LOAD) and called with FCALL: each call runs exactly one
 * operation atomically, without re-running the definitions of the helpers
 * (EVAL runs a script's whole body, helper definitions included, on every
 * call: 11 µs of the 66 µs an Allocate took).
 *
 * Every helper is a field of a module table named after its file
 * (includes/pairs.lua defines Pairs.*), and the contract's tables (E, C,
 * Key.NAMES, the reply field orders) come from contract.ts. So the chunk
 * has a couple of dozen locals and each operation a dozen upvalues however
 * many helpers there are (Lua 5.1 allows 200 and 60), and the includes may
 * come in any order: a module's functions look each other up when they
 * run, not when they are defined.
 */

const scriptsDir = new URL('./scripts/', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, scriptsDir)), 'utf8');
const READ_ONLY = /^#!lua flags=no-writes\n/;

/** includes/<name>.lua defines the module <Name>. */
export function includeModules(): { module: string; file: string }[] {
  return readdirSync(fileURLToPath(new URL('includes/', scriptsDir)))
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((file) => ({ module: file[0]!.toUpperCase() + file.slice(1, -'.lua'.length), file }));
}

export interface Library {
  /** Library name, versioned by its content: replicas of different versions never replace each other's code. */
  readonly name: string;
  readonly code: string;
  /** Operation -> the Redis function that runs it. */
  readonly functions: Record<OperationName, string>;
}

let built: Library | undefined;

/**
 * The globals of Lua's standard library (and Redis's) that the scripts use.
 * Redis runs a function library with an empty global table whose metatable
 * leads to the real one, so every use of a global is two lookups: these
 * names become locals of the chunk, bound on the first call (Call.seal
 * calls bindStandardLibrary; they do not exist while the library
 * loads), and the code reads as before. At 100 hosts an Allocate ran 3.5%
 * fewer instructions, a Release 2.8% (callgrind). `redis` is the loading
 * API (register_function) until then.
 */
const STANDARD_LIBRARY = [
  'redis',
  'string',
  'math',
  'table',
  'cjson',
  'tonumber',
  'tostring',
  'type',
  'unpack',
  'ipairs',
  'pairs',
  'next',
  'error',
  'setmetatable',
  'rawset',
] as const;

function standardLibraryLocals(): string {
  const names = STANDARD_LIBRARY.join(', ');
  return [
    `local function standardLibrary() return ${names} end`,
    `local ${names} = redis`,
    `local function bindStandardLibrary() ${names} = standardLibrary() end`,
  ].join('\n');
}

/**
 * The function library: the module tables, the standard library's locals,
 * the contract, the helpers, then each operation as a function that binds
 * its call's keys (Call.bind) and runs its file, whose arguments
 * (`A.<name>`) become positions in ARGV.
 */
export function library(): Library {
  if (built) return built;
  const modules = includeModules();
  const tables = ['E', 'C', ...modules.map((m) => m.module)];
  const parts = [`local ${tables.join(', ')} = ${tables.map(() => '{}').join(', ')}`, standardLibraryLocals(), luaContract()];
  for (const { file } of modules) parts.push(`-- includes/${file}\n${read(`includes/${file}`)}`);
  const registrations: string[] = [];
  for (const name of Object.keys(OPERATIONS) as OperationName[]) {
    const source = read(OPERATIONS[name].file);
    const readOnly = READ_ONLY.test(source);
    if (readOnly !== Boolean((OPERATIONS[name] as { readOnly?: boolean }).readOnly)) {
      throw new Error(`${OPERATIONS[name].file}: its no-writes flag and operations.ts disagree`);
    }
    parts.push(`local function op_${name}(keys, args)\n  Call.bind(keys, args)\n${luaBindArgs(name, source.replace(READ_ONLY, ''))}\nend`);
    const flags = readOnly ? ", flags = {'no-writes'}" : '';
    registrations.push(`redis.register_function{function_name = '@LIB@_${name}', callback = op_${name}${flags}}`);
  }
  const body = [...parts, ...registrations].join('\n');
  const lib = `mcs_${createHash('sha1').update(body).digest('hex').slice(0, 12)}`;
  const functions = Object.fromEntries(Object.keys(OPERATIONS).map((n) => [n, `${lib}_${n}`])) as Record<OperationName, string>;
  built = { name: lib, code: `#!lua name=${lib}\n${body.replaceAll('@LIB@', lib)}`, functions };
  return built;
}

/** A script reply: a status code first, then its values (see each header). */
export type ScriptReply = [number, ...unknown[]];

export type ScriptCommands = {
  [K in OperationName]: (keys: string[], args: (string | number)[]) => Promise<ScriptReply>;
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

/** FCALLs sent on a client and not answered yet. */
const inFlight = new WeakMap<object, { n: number }>();

/**
 * One FCALL. On a client with auto-pipelining (the service's, see
 * src/redis/connection.ts) a call that finds none of its own unanswered
 * goes out at once, so a lone call (concurrency 1) does not wait for the
 * next turn of the event loop; a call behind others joins the batch that
 * is gathering.
 */
function sendFcall(redis: Redis | Cluster, argv: (string | number)[]): Promise<ScriptReply> {
  let pending = inFlight.get(redis);
  if (!pending) inFlight.set(redis, (pending = { n: 0 }));
  const alone = pending.n === 0 || !redis.options.enableAutoPipelining;
  const sent = alone ? redis.sendCommand(new Command('FCALL', argv, { replyEncoding: 'utf8' })) : redis.call('FCALL', ...argv);
  const counter = pending;
  counter.n++;
  return (sent as Promise<ScriptReply>).finally(() => counter.n--);
}

/**
 * Typed callers of the operations on a client. A call that finds the
 * library missing loads it and runs again: nothing ran the first time.
 */
export function scriptCommands(redis: Redis | Cluster): ScriptCommands {
  const { functions } = library();
  const commands = {} as ScriptCommands;
  for (const name of Object.keys(OPERATIONS) as OperationName[]) {
    const fcall = (keys: string[], args: (string | number)[]) => sendFcall(redis, [functions[name], keys.length, ...keys, ...args]);
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
