#!/usr/bin/env node
/**
 * What one Allocate and one Release cost inside Redis, without gRPC or the
 * service: `node dist/bench/script-cost.js [--against <other dist/>]`.
 *
 * It starts one redis-server (persistence off), opens a LeaseStore with the
 * service's default settings (host quota 10%, static quota, retention, event
 * stream) on a pool of c0.c1023, and measures rounds of `--calls` Allocates
 * (then as many Releases of them) with `--concurrency` calls in flight on
 * one connection, as the service sends them. Per call it reports:
 *
 * - redis-server CPU from /proc/<pid>/stat (the script, parsing the
 *   command, reading and answering the connection: everything);
 * - FCALL usec_per_call of INFO commandstats (the function body alone);
 * - the commands the function ran, per call (commandstats deltas).
 *
 * With `--against DIR` (the dist/ of another build of this repository,
 * e.g. of the main branch) both builds run against the same redis-server,
 * each on a pool of its own, round by round in alternating order (A B, B A,
 * ...), so machine noise hits both alike: the medians are a paired
 * comparison. Timings are not asserted anywhere; see bench/README.md.
 *
 * Each round also measures the floor: an empty Redis function (a library
 * of the benchmark's own) called in the same way with one key and the
 * arguments of an Allocate, answering one value. What an Allocate costs
 * above it is what its body does. And the sketch (lib/sketch.ts): the
 * least an Allocate and a Release can do under any data model, a lower
 * bound for a redesign on the machine of the run.
 *
 * On a shared machine CPU time is noisy. `--callgrind` starts redis-server
 * under valgrind's callgrind, collecting only inside FCALL
 * (`--toggle-collect=fcallCommand`), and reports the instructions each
 * function body executes per call instead: deterministic, so one round of
 * a few hundred calls compares two builds exactly (callgrind runs Redis
 * about 50 times slower; its CPU figures are meaningless then).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { BenchRedis, commandStats, cpuMs, installCleanup, REPO_ROOT } from './lib/procs.js';
import { freePort, waitForRedis } from '../testkit/redis-server.js';
import { SKETCH_LIBRARY, SKETCH_META, SKETCH_PAIRS, SKETCH_PREFIX } from './lib/sketch.js';
import { hostNames, WorkloadIds } from './lib/workload.js';

interface StoreLike {
  init(): Promise<unknown>;
  allocate(req: { host: string; workloadId: string }): Promise<{ lease: { id: string } }>;
  release(req: { leaseId: string }): Promise<{ released: boolean }>;
}

interface Variant {
  readonly name: string;
  readonly dist: string;
  readonly store: StoreLike;
  readonly redis: Redis;
}

const program = new Command('script-cost')
  .description('Redis CPU and commands per Allocate and Release, through LeaseStore, no gRPC')
  .option('--against <dist>', 'also measure the build in this dist/ directory, paired round by round')
  .option('--rounds <n>', 'rounds per variant', '6')
  .option('--calls <n>', 'Allocates (and Releases) per round', '4000')
  .option('--concurrency <n>', 'calls in flight', '16')
  .option('--hosts <n>', 'distinct host names', '100')
  .option('--callgrind', 'run redis-server under callgrind and count the instructions of each FCALL')
  .option('--json <path>', 'also write every round as JSON');
program.parse(process.argv);
const o = program.opts<{
  against?: string;
  rounds: string;
  calls: string;
  concurrency: string;
  hosts: string;
  callgrind?: boolean;
  json?: string;
}>();
const rounds = Number(o.rounds);
const calls = Number(o.calls);
const concurrency = Number(o.concurrency);
const hosts = hostNames(Number(o.hosts));

async function openVariant(name: string, dist: string, port: number, pool: string): Promise<Variant> {
  // The other build's modules, typed as far as this file uses them (its API may differ elsewhere).
  const mod = async <M>(path: string): Promise<M> => (await import(pathToFileURL(join(dist, path)).href)) as M;
  const { LeaseStore } = await mod<{ LeaseStore: new (redis: Redis, settings: object) => StoreLike }>('src/store/lease-store.js');
  const { parseCategoryRange } = await mod<{ parseCategoryRange: (text: string) => unknown }>('src/domain/categories.js');
  const { CONTAINER_PROFILE } = await mod<{ CONTAINER_PROFILE: unknown }>('src/domain/profile.js');
  const { parseLevel } = await mod<{ parseLevel: (text: string) => unknown }>('src/domain/level.js');
  const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  // The service's defaults (src/config.ts DEFAULTS), so the scripts take the same paths.
  const store = new LeaseStore(redis, {
    name: pool,
    sensitivity: 's0',
    categories: parseCategoryRange('c0.c1023'),
    reserved: [parseLevel('s0:c1022,c1023')],
    profile: CONTAINER_PROFILE,
    hostTtlSeconds: 0,
    recoveryWindowSeconds: 60,
    stableRetentionSeconds: 86_400,
    hostQuota: 52_377,
    hostStaticQuota: 64,
    maxStaticPairs: 1024,
    eventRetention: 6000,
  });
  await store.init();
  return { name, dist, store, redis };
}

async function inFlight(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

type Stats = Awaited<ReturnType<typeof commandStats>>;

function delta(a: Stats, b: Stats): Record<string, { calls: number; usec: number }> {
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const [k, v] of Object.entries(b)) {
    const calls = v.calls - (a[k]?.calls ?? 0);
    if (calls > 0) out[k] = { calls, usec: v.usec - (a[k]?.usec ?? 0) };
  }
  return out;
}

interface PhaseFigures {
  /** Instructions inside FCALL per call (with --callgrind). */
  readonly instructions?: number;
  readonly redisCpuUs: number;
  readonly fcallUs: number;
  readonly commands: Record<string, { calls: number; usec: number }>;
}

/** redis-server under callgrind, collecting only inside FCALL. */
class Callgrind {
  private dumps = 0;
  private constructor(
    readonly port: number,
    readonly pid: number,
    private readonly dir: string,
    private readonly stop_: () => void,
  ) {}

  static async start(): Promise<Callgrind> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mcs-callgrind-'));
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--toggle-collect=fcallCommand',
        `--callgrind-out-file=${dir}/cg.out`,
        'redis-server',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    process.on('exit', () => child.kill('SIGKILL'));
    await waitForRedis(port, child, 60_000, () => '');
    return new Callgrind(port, child.pid!, dir, () => child.kill('SIGKILL'));
  }

  zero(): void {
    execFileSync('callgrind_control', ['-z', String(this.pid)], { stdio: 'ignore' });
  }

  /** Instructions collected since the last zero or dump. */
  dump(): number {
    execFileSync('callgrind_control', ['-d', String(this.pid)], { stdio: 'ignore' });
    this.dumps++;
    const file = readdirSync(this.dir).find((f) => f === `cg.out.${this.dumps}`);
    if (!file) throw new Error(`callgrind wrote no dump ${this.dumps} in ${this.dir}`);
    const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(this.dir, file), 'utf8'));
    return Number(m?.[1] ?? NaN);
  }

  stop(): void {
    this.stop_();
  }
}

let callgrind: Callgrind | undefined;

async function phase(admin: Redis, pid: number, n: number, run: () => Promise<void>): Promise<PhaseFigures> {
  const s0 = await commandStats(admin);
  const c0 = cpuMs(pid);
  callgrind?.zero();
  await run();
  const instructions = callgrind ? callgrind.dump() / n : undefined;
  const c1 = cpuMs(pid);
  const s1 = await commandStats(admin);
  const d = delta(s0, s1);
  // The two INFO calls themselves are in the figures: a few µs over thousands of calls.
  const fcall = d['fcall'] ?? { calls: 0, usec: 0 };
  const commands: Record<string, { calls: number; usec: number }> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'fcall' || k === 'info') continue;
    commands[k] = { calls: v.calls / n, usec: v.usec / n };
  }
  return {
    ...(instructions !== undefined ? { instructions } : {}),
    redisCpuUs: ((c1 - c0) * 1000) / n,
    fcallUs: fcall.usec / Math.max(1, fcall.calls),
    commands,
  };
}

const FLOOR_LIBRARY = "#!lua name=mcs_bench_floor\nredis.register_function('mcs_bench_floor', function(keys, args) return {0} end)";

/**
 * An Allocate's key and arguments as the store sends them, in count and
 * size (bench/README.md: the floor), for the function `fn` on the pool
 * under `prefix`.
 */
function floorArgs(host: string, workload: string, fn = 'mcs_bench_floor', prefix = 'mcs:{floor}:'): (string | number)[] {
  const random = Math.floor(Math.random() * 2 ** 48);
  const prefixes = ['system_u:system_r:container_t', 'system_u:object_r:container_file_t', 'system_u:object_r:container_ro_file_t'];
  return [
    fn,
    1,
    `${prefix}meta`,
    prefix,
    host,
    workload,
    '',
    0,
    random,
    'abcdefghijkl',
    ...prefixes,
    'random',
    '',
    '',
    '',
    0,
    52377,
    64,
    1024,
    '',
    'h',
    86_400_000,
  ];
}

type Round = {
  allocate: PhaseFigures;
  release: PhaseFigures;
  floor: PhaseFigures;
  sketchAllocate: PhaseFigures;
  sketchRelease: PhaseFigures;
};
type Phase = keyof Round;

async function round(v: Variant, admin: Redis, pid: number): Promise<Round> {
  const ids = new WorkloadIds();
  const leases = new Array<string>(calls);
  const floor = await phase(admin, pid, calls, () =>
    inFlight(calls, async (i) => {
      await v.redis.call('FCALL', ...floorArgs(hosts[i % hosts.length]!, ids.next()));
    }),
  );
  const allocate = await phase(admin, pid, calls, () =>
    inFlight(calls, async (i) => {
      leases[i] = (await v.store.allocate({ host: hosts[i % hosts.length]!, workloadId: ids.next() })).lease.id;
    }),
  );
  const release = await phase(admin, pid, calls, () =>
    inFlight(calls, async (i) => {
      const r = await v.store.release({ leaseId: leases[i]! });
      if (!r.released) throw new Error(`${v.name}: release of ${leases[i]} answered released = false`);
    }),
  );
  const ranks = new Array<string>(calls);
  const sketchAllocate = await phase(admin, pid, calls, () =>
    inFlight(calls, async (i) => {
      const r = (await v.redis.call(
        'FCALL',
        ...floorArgs(hosts[i % hosts.length]!, ids.next(), 'mcs_bench_sketch_allocate', SKETCH_PREFIX),
      )) as unknown[];
      if (r[0] !== 0 || r[1] !== 1) throw new Error(`sketch allocate answered ${JSON.stringify(r)}`);
      ranks[i] = String(r[3]);
    }),
  );
  // The sketch must do the work it stands for: every draw a pair no other lease has.
  if (new Set(ranks).size !== calls) throw new Error('the sketch drew a pair twice');
  const sketchRelease = await phase(admin, pid, calls, () =>
    inFlight(calls, async (i) => {
      const r = (await v.redis.call('FCALL', 'mcs_bench_sketch_release', 1, SKETCH_META, SKETCH_PREFIX, ranks[i]!)) as unknown[];
      if (r[1] !== 1) throw new Error(`sketch release of rank ${ranks[i]} answered ${JSON.stringify(r)}`);
    }),
  );
  return { allocate, release, floor, sketchAllocate, sketchRelease };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number) => x.toFixed(1);

function summary(rs: Round[], which: Phase) {
  const ps = rs.map((r) => r[which]);
  const cmds = new Set(ps.flatMap((p) => Object.keys(p.commands)));
  const commands: Record<string, { calls: number; usec: number }> = {};
  for (const c of [...cmds].sort()) {
    commands[c] = { calls: median(ps.map((p) => p.commands[c]?.calls ?? 0)), usec: median(ps.map((p) => p.commands[c]?.usec ?? 0)) };
  }
  return {
    instructions: median(ps.map((p) => p.instructions ?? NaN)),
    redisCpuUs: median(ps.map((p) => p.redisCpuUs)),
    redisCpuRange: [Math.min(...ps.map((p) => p.redisCpuUs)), Math.max(...ps.map((p) => p.redisCpuUs))],
    fcallUs: median(ps.map((p) => p.fcallUs)),
    commandsPerCall: Object.values(commands).reduce((a, c) => a + c.calls, 0),
    commands,
  };
}

async function main(): Promise<void> {
  installCleanup();
  let redis: { port: number; pid: number; stop(): Promise<void> | void };
  let admin: Redis;
  if (o.callgrind) {
    callgrind = await Callgrind.start();
    redis = callgrind;
    admin = new Redis(callgrind.port, '127.0.0.1');
  } else {
    const r = await BenchRedis.start({ aof: false });
    redis = r;
    admin = r.client();
  }
  const variants: Variant[] = [await openVariant('this build', join(REPO_ROOT, 'dist'), redis.port, 'pa')];
  if (o.against) variants.push(await openVariant(`against ${o.against}`, resolve(o.against), redis.port, 'pb'));
  try {
    await admin.call('FUNCTION', 'LOAD', 'REPLACE', FLOOR_LIBRARY);
    await admin.call('FUNCTION', 'LOAD', 'REPLACE', SKETCH_LIBRARY);
    await admin.hset(SKETCH_META, 'free', SKETCH_PAIRS, 'token', 0);
    // Warm-up: JIT, the function libraries, the pools' first writes.
    for (const v of variants) await round(v, admin, redis.pid);
    const results = new Map<string, Round[]>(variants.map((v) => [v.name, []]));
    for (let k = 0; k < rounds; k++) {
      const order = k % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) results.get(v.name)!.push(await round(v, admin, redis.pid));
      process.stderr.write(`round ${k + 1}/${rounds}\n`);
    }
    const out: Record<string, unknown> = {};
    for (const v of variants) {
      const rs = results.get(v.name)!;
      const a = summary(rs, 'allocate');
      const r = summary(rs, 'release');
      const f = summary(rs, 'floor');
      const sa = summary(rs, 'sketchAllocate');
      const sr = summary(rs, 'sketchRelease');
      out[v.name] = { allocate: a, release: r, floor: f, sketchAllocate: sa, sketchRelease: sr, rounds: rs };
      console.log(`\n${v.name} (${v.dist}): ${rounds} rounds of ${calls} calls, ${concurrency} in flight`);
      for (const [label, s] of [
        ['Allocate', a],
        ['Release', r],
        ["Floor (an empty function, an Allocate's arguments)", f],
        ['Sketch Allocate (the least any design does: bench/lib/sketch.ts)', sa],
        ['Sketch Release', sr],
      ] as const) {
        if (o.callgrind) console.log(`  ${label}: ${Math.round(s.instructions)} instructions inside FCALL per call`);
        console.log(
          `  ${label}: Redis CPU ${fmt(s.redisCpuUs)} µs/call (${fmt(s.redisCpuRange[0]!)}–${fmt(s.redisCpuRange[1]!)}), ` +
            `FCALL body ${fmt(s.fcallUs)} µs, ${fmt(s.commandsPerCall)} commands inside`,
        );
        console.log(
          '    ' +
            Object.entries(s.commands)
              .map(([c, x]) => `${c} ${x.calls.toFixed(2)} (${x.usec.toFixed(1)} µs)`)
              .join(', '),
        );
      }
      const above = (x: ReturnType<typeof summary>) =>
        `Redis CPU ${fmt(x.redisCpuUs - f.redisCpuUs)} µs` +
        (o.callgrind ? `, ${Math.round(x.instructions - f.instructions)} instructions` : '');
      console.log(`  above the floor: Allocate ${above(a)}; Release ${above(r)}`);
      console.log(`  above the floor: sketch Allocate ${above(sa)}; sketch Release ${above(sr)}`);
    }
    if (o.json) {
      writeFileSync(o.json, JSON.stringify(out, null, 2));
    }
  } finally {
    for (const v of variants) v.redis.disconnect();
    if (o.callgrind) admin.disconnect();
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
