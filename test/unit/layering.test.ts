/**
 * Which part of the code may import which: read from the import
 * statements of every source file, so that a change that crosses a layer
 * fails here, not in review.
 *
 *   domain/   the label model and the decisions: pure, no I/O, nothing of the service
 *   store/    Redis lease store: may use domain/, never the gRPC server
 *   config/   configuration: never the server it configures
 *   client/, rpc/, ctl/   mcsctl, the agent's client: never the server or the store
 *   src/      never tests, testkit/ or bench/; bench/ and testkit/ never test/
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'results') out.push(...sources(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * What a file imports: relative imports as repository paths (.ts), packages
 * and node: modules as written. `atOnce`: only what loading the file loads
 * then, without `import type` (erased) and `import()` (loaded when that
 * code runs).
 */
function importsOf(file: string, atOnce = false): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [
    ...text.matchAll(
      atOnce ? /^\s*(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gm : /^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm,
    ),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...(atOnce ? [] : text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)),
  ].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, join(ROOT, dirname(file), s)).replace(/\.js$/, '.ts') : s));
}

/** An import resolved to a file of this repository (importsOf), not a package. */
const REPOSITORY_PATH = /^(src|test|testkit|bench|scripts|proto|dist)\//;

const FILES = [...sources('src'), ...sources('test'), ...sources('testkit'), ...sources('bench')];
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));
const AT_ONCE = new Map(FILES.map((f) => [f, importsOf(f, true)]));

/** Every import of the files under `dir`, with its file. */
function importsUnder(dir: string): { file: string; target: string }[] {
  return [...GRAPH].filter(([f]) => f.startsWith(`${dir}/`)).flatMap(([file, targets]) => targets.map((target) => ({ file, target })));
}

function offending(dir: string, refused: (target: string) => boolean): string[] {
  return importsUnder(dir)
    .filter(({ target }) => refused(target))
    .map(({ file, target }) => `${file} -> ${target}`);
}

/**
 * The files `entry` loads, following relative imports (type-only ones
 * too), and the packages they import; with AT_ONCE, what loading it loads
 * at once.
 */
function closure(entry: string, graph = GRAPH): Set<string> & { packages: Set<string> } {
  const seen = Object.assign(new Set<string>(), { packages: new Set<string>() });
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const t of graph.get(f) ?? []) {
      if (graph.has(t)) todo.push(t);
      else if (!REPOSITORY_PATH.test(t)) seen.packages.add(t);
    }
  }
  return seen;
}

/** Whether a path is one of `dirs` (directories or files) or inside one. */
const under =
  (...dirs: string[]) =>
  (target: string) =>
    dirs.some((d) => target === d || target.startsWith(`${d}/`));
const NODE_IO = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process|worker_threads|cluster|readline)$/;

describe('layering', () => {
  it('reads the imports it checks', () => {
    expect(GRAPH.get('src/server/server.ts')).toContain('src/store/lease-store.ts');
    expect(GRAPH.get('src/cli.ts')).toContain('src/config/serve-config.ts');
  });

  it('domain/ is pure: nothing of the service, no Redis, no gRPC, no I/O', () => {
    const service = under(
      'src/server',
      'src/store',
      'src/redis',
      'src/config',
      'src/ctl',
      'src/agent',
      'src/client',
      'src/rpc',
      'src/generated',
    );
    expect(offending('src/domain', (t) => service(t) || NODE_IO.test(t) || t === 'ioredis' || t.startsWith('@grpc/'))).toEqual([]);
  });

  it('store/ does not import the server, the configuration or the clients', () => {
    expect(offending('src/store', under('src/server', 'src/config', 'src/ctl', 'src/agent', 'src/client', 'src/rpc'))).toEqual([]);
  });

  it('config/ does not import the server it configures', () => {
    expect(offending('src/config', under('src/server', 'src/ctl', 'src/agent'))).toEqual([]);
    expect(offending('src/redis', under('src/server', 'src/config'))).toEqual([]);
  });

  it('the clients (client/, rpc/, ctl/) do not import the server or the store', () => {
    for (const dir of ['src/client', 'src/rpc', 'src/ctl']) expect(offending(dir, under('src/server', 'src/store'))).toEqual([]);
  });

  it('mcsctl, its hook entry and the host agent load no server or store code', () => {
    for (const entry of ['src/ctl/main.ts', 'src/ctl/hook-entry.ts', 'src/agent/command.ts']) {
      // flags.ts, log-flags.ts and client-flags.ts (flags as data, commander only) are the modules of config/ they share.
      const shared = ['src/config/flags.ts', 'src/config/log-flags.ts', 'src/config/client-flags.ts'];
      const loaded = [...closure(entry)].filter((f) => under('src/server', 'src/store', 'src/config')(f) && !shared.includes(f));
      expect(loaded, entry).toEqual([]);
    }
  });

  it("mcs-allocator loads a command's machinery only when that command runs", () => {
    // cli.ts registers serve, agent and webhook; until one runs, nothing may
    // load a Redis client, gRPC, protobuf, metrics, the server or the store
    // (the agent ran with all of them, 20 MiB more, when cli.ts did).
    const files = closure('src/cli.ts', AT_ONCE);
    const packages = files.packages;
    expect(files.has('src/config/serve-flags.ts') && packages.has('commander')).toBe(true);
    const heavy = [...files].filter(under('src/server', 'src/store', 'src/client', 'src/webhook/run.ts', 'src/redis/connection.ts'));
    expect(heavy).toEqual([]);
    expect([...packages].filter((p) => /^(ioredis|@grpc\/|protobufjs|prom-client|yaml)/.test(p))).toEqual([]);
    // The commands' modules, loaded with import() when registering: of the
    // store only its names and limits (data, for checking the flags).
    const data = ['src/store/keys.ts', 'src/store/contract.ts', 'src/store/limits.ts'];
    for (const entry of ['src/agent/command.ts', 'src/webhook/command.ts']) {
      const loaded = closure(entry, AT_ONCE);
      const heavy = [...loaded].filter((f) => under('src/server', 'src/store', 'src/webhook/run.ts')(f) && !data.includes(f));
      expect(heavy, entry).toEqual([]);
      expect(
        [...loaded.packages].filter((p) => /^(ioredis|@grpc\/|protobufjs|prom-client)/.test(p)),
        entry,
      ).toEqual([]);
    }
  });

  it('src/ never imports tests, the test kit or the benchmark; bench/ and testkit/ never import test/', () => {
    expect(offending('src', under('test', 'testkit', 'bench'))).toEqual([]);
    expect(offending('bench', under('test'))).toEqual([]);
    expect(offending('testkit', under('test', 'bench'))).toEqual([]);
  });
});
