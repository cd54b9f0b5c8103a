import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONSTANTS,
  EVENT_LEASE,
  LEASE_KINDS,
  LEASE_REPLY,
  POOL_KEYS,
  REPORTED_KINDS,
  SCRIPT_ERRORS,
  scriptErrorName,
  type ScriptErrorName,
} from '../../src/store/contract.js';
import { OPERATIONS, operationArgs, type OperationName } from '../../src/store/operations.js';
import { includeModules, library } from '../../src/store/scripts.js';
import { PoolStateInconsistentError, StoreError, scriptError } from '../../src/store/errors.js';

// The TypeScript-Lua contract: every name the Lua uses is one the contract
// defines, every operation argument is used, and every error code has its
// typed error. A mismatch here is a bug before it reaches Redis.

const dir = fileURLToPath(new URL('../../src/store/scripts/', import.meta.url));
const lua = (file: string) => readFileSync(`${dir}${file}`, 'utf8').replace(/--[^\n]*/g, '');
const includes = includeModules().map((m) => ({ ...m, code: lua(`includes/${m.file}`) }));
const ops = Object.entries(OPERATIONS).map(([name, spec]) => ({ name: name as OperationName, spec, code: lua(spec.file) }));
const everything = [...includes.map((i) => i.code), ...ops.map((o) => o.code)].join('\n');
const uses = (code: string, table: string) =>
  new Set([...code.matchAll(new RegExp(`\\b${table}\\.([A-Za-z_]\\w*)`, 'g'))].map((m) => m[1]!));

describe('the Lua uses only what the contract defines', () => {
  it('error codes: E.<NAME>', () => {
    for (const name of uses(everything, 'E')) expect(Object.keys(SCRIPT_ERRORS), name).toContain(name);
  });

  it('constants: C.<NAME>', () => {
    const kinds = [
      ...Object.keys(LEASE_KINDS).map((k) => `KIND_${k.toUpperCase()}`),
      ...Object.keys(REPORTED_KINDS).map((k) => `REPORTED_${k.toUpperCase()}`),
    ];
    for (const name of uses(everything, 'C')) expect([...Object.keys(CONSTANTS), ...kinds], name).toContain(name);
  });

  it('keys: Key.<name> is a declared key or a key builder of key.lua', () => {
    const builders = uses(includes.find((i) => i.module === 'Key')!.code.replace(/^(?!function Key\.).*$/gm, ''), 'Key');
    for (const name of uses(everything, 'Key')) expect([...POOL_KEYS, 'NAMES', ...builders], name).toContain(name);
  });

  it('helpers: every Module.fn called is defined by its module', () => {
    const defined = new Set(includes.flatMap((i) => [...i.code.matchAll(/^function (\w+)\.(\w+)\(/gm)].map((m) => `${m[1]}.${m[2]}`)));
    const modules = includes.map((i) => i.module);
    // Key's bound keys are checked above.
    for (const m of modules.filter((x) => x !== 'Key')) {
      for (const fn of uses(everything, m)) {
        const field = `${m}.${fn}`;
        // Fields that are data (Pairs.BITFIELD_BATCH, Records.FIELDS, ...) are assigned, not defined as functions.
        if (
          new RegExp(`^${m}\\.${fn} = `, 'm').test(everything) ||
          [
            'Call.args',
            'Call.prefix',
            'Call.dropped',
            'Call.liveNow',
            'Call.shape',
            'Call.labels',
            'Call.metaFields',
            'Call.levels',
            'Call.sealed',
            'Records.REPLY',
            'Events.LEASE',
            'Key.NAMES',
          ].includes(field)
        )
          continue;
        expect(defined, field).toContain(field);
      }
    }
  });

  it('includes define one module each, and no top-level locals', () => {
    for (const { module, code } of includes) {
      for (const m of code.matchAll(/^function (\w+)\./gm)) expect(m[1], `includes/${module}`).toBe(module);
      expect(code, `includes/${module}`).not.toMatch(/^local\b/m);
    }
  });

  it('operations: each A.<name> is an argument of its operation, and each argument is used', () => {
    for (const { name, spec, code } of ops) {
      const used = uses(code, 'A');
      for (const arg of used) expect([...spec.args, 'rest'], `${spec.file}: A.${arg}`).toContain(arg);
      for (const arg of spec.args) if (arg !== 'prefix') expect(used, `${spec.file} never reads A.${arg}`).toContain(arg);
      expect(code, `${name} reads ARGV by position`).not.toMatch(/\bARGV\b/);
      if ('rest' in spec) expect(used, `${spec.file} declares a tail it never reads`).toContain('rest');
    }
  });

  it("the hand-written reply and event arrays follow the contract's field orders", () => {
    const order = (name: string) => {
      const m = new RegExp(`^${name.replace('.', '\\.')} = \\{([^}]*)\\}`, 'm').exec(everything);
      return [...(m?.[1] ?? '').matchAll(/'(\w+)'/g)].map((x) => x[1]);
    };
    expect(order('Records.REPLY_ORDER')).toEqual([...LEASE_REPLY]);
    expect(order('Events.LEASE_ORDER')).toEqual([...EVENT_LEASE]);
  });

  it('every script file is an operation', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));
    expect(files.sort()).toEqual(ops.map((o) => o.spec.file).sort());
  });
});

describe('the library stays small in Lua terms', () => {
  it('has few top-level locals (Lua 5.1 allows 200) and each operation few upvalues (60)', () => {
    const { code } = library();
    // The chunk's locals: the module tables (first line) and one function per
    // operation; the includes have none of their own (checked above), and an
    // operation's body runs inside its function.
    const tables = /^local ([\w, ]+) = /m.exec(code)![1]!.split(', ');
    const operations = [...code.matchAll(/^local function op_\w+\(/gm)];
    expect(tables).toEqual(['E', 'C', ...includeModules().map((m) => m.module)]);
    expect(operations).toHaveLength(Object.keys(OPERATIONS).length);
    expect(tables.length + operations.length).toBeLessThan(60);
    // An operation's upvalues are at most the module tables.
    expect(tables.length).toBeLessThan(30);
  });
});

describe('operation arguments', () => {
  it('are built by name, in the order of the definition', () => {
    expect(operationArgs('renew', { prefix: 'p:', leaseId: 'id', slot: 3, ttlMs: 1000 })).toEqual(['p:', 'id', 3, 1000]);
    expect(operationArgs('planVolumes', { prefix: 'p:', leaseId: 'id', slot: 3 }, ['h:a', '/x', 'Z'])).toEqual([
      'p:',
      'id',
      3,
      'h:a',
      '/x',
      'Z',
    ]);
  });

  it('refuse a missing one', () => {
    expect(() => operationArgs('renew', { prefix: 'p:', leaseId: 'id', slot: 3 } as never)).toThrow('renew: argument ttlMs is missing');
  });
});

describe('script error codes', () => {
  it('are distinct, and each one has its own typed error', () => {
    const codes = Object.values(SCRIPT_ERRORS);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(SCRIPT_ERRORS) as [ScriptErrorName, number][]) {
      expect(scriptErrorName(code)).toBe(name);
      const err = scriptError(code, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 'pool');
      expect(err).toBeInstanceOf(StoreError);
      if (name !== 'POOL_STATE_INCONSISTENT') expect(err, name).not.toBeInstanceOf(PoolStateInconsistentError);
      expect(err.message.length, name).toBeGreaterThan(0);
    }
    expect(scriptError(999, [], 'pool').message).toBe('script answered unknown status 999');
  });
});
