#!/usr/bin/env node
/**
 * `npm run bench`: the benchmark harness. It starts its own redis-server and
 * service processes, drives them from separate load-worker processes, prints
 * a table with the targets, and writes every figure as JSON. See
 * bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Command, Option } from 'commander';
import type { Ctx, Options } from './lib/context.js';
import { cpuModel, installCleanup, REPO_ROOT } from './lib/procs.js';
import { setMeasureLog } from './lib/measure.js';
import { throughputSection } from './sections/throughput.js';
import { redisSection } from './sections/redis.js';
import { occupancySection } from './sections/occupancy.js';
import { memorySection } from './sections/memory.js';
import { scaleoutSection } from './sections/scaleout.js';
import { uniformitySection } from './sections/uniformity.js';
import { scalingSection } from './sections/scaling.js';
import { profileSection } from './sections/profile.js';
import { hostileSection } from './sections/hostile.js';
import { hooksSection } from './sections/hooks.js';
import { report, type Results } from './report.js';

const SECTIONS = [
  'throughput',
  'redis',
  'occupancy',
  'memory',
  'scaleout',
  'uniformity',
  'scaling',
  'hostile',
  'hooks',
  'profile',
] as const;
type Section = (typeof SECTIONS)[number];

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const ints = (v: string) =>
  list(v).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${s}`);
    return n;
  });

const program = new Command('bench')
  .description('mcs-allocator benchmark: throughput, transport and Redis ceilings, occupancy, memory, scale-out, uniformity.')
  .addOption(new Option('--quick', 'a ~1 minute smoke run: 1 repetition, short windows, a 32,640-pair occupancy pool'))
  .addOption(
    new Option(
      '--sections <list>',
      `comma-separated sections to run: ${SECTIONS.join(', ')} (profile runs only with --cpu-prof or when named)`,
    ),
  )
  .addOption(new Option('--skip <list>', 'comma-separated sections to leave out'))
  .addOption(new Option('--reps <n>', 'repetitions of each throughput figure (median and min–max are reported)'))
  .addOption(new Option('--duration <ms>', 'measured window of each throughput run'))
  .addOption(new Option('--warmup <ms>', 'warm-up before each window'))
  .addOption(new Option('--concurrency <list>', 'concurrencies of sections 1 and 2').default('1,16,64'))
  .addOption(new Option('--channels <n>', 'gRPC channels per load worker (0 = min(concurrency, 16))').default('0'))
  .addOption(new Option('--hosts <n>', 'distinct host names in requests').default('100'))
  .addOption(new Option('--aof', 'run redis-server with appendonly yes, appendfsync always (default: no persistence)'))
  .addOption(new Option('--redis-socket', 'the service reaches Redis over a unix socket instead of TCP on 127.0.0.1'))
  .addOption(new Option('--cpu-prof', 'also profile the service (node --cpu-prof) under noop, Allocate, Release and cycle load'))
  .addOption(new Option('--occupancy-categories <range>', 'category range of the occupancy pool (default c0.c1023; --quick c0.c255)'))
  .addOption(new Option('--memory-leases <n>', 'leases created for the memory figures (default 100000; --quick 20000)'))
  .addOption(new Option('--out <path>', 'where to write the JSON (default bench/results/<timestamp>.json)'));

program.parse(process.argv);
const raw = program.opts<Record<string, string | boolean | undefined>>();

const quick = raw['quick'] === true;
const str = (k: string) => (typeof raw[k] === 'string' ? raw[k] : undefined);
const opts: Options = {
  quick,
  reps: Number(str('reps') ?? (quick ? 1 : 3)),
  warmupMs: Number(str('warmup') ?? (quick ? 500 : 1000)),
  durationMs: Number(str('duration') ?? (quick ? 1000 : 2000)),
  concurrencies: ints(str('concurrency') ?? '1,16,64'),
  channels: Number(str('channels') ?? 0),
  hosts: Number(str('hosts') ?? 100),
  aof: raw['aof'] === true,
  redisSocket: raw['redisSocket'] === true,
  cpuProf: raw['cpuProf'] === true,
  resultsDir: join(REPO_ROOT, 'bench', 'results'),
  occupancyCategories: str('occupancyCategories') ?? (quick ? 'c0.c255' : 'c0.c1023'),
  occupancyLevels: [0, 0.5, 0.9, 0.99, 0.999],
  occupancySamples: quick ? 1000 : 1500,
  naiveMaxProbes: 100_000,
  naiveMaxSamples: quick ? 300 : 1000,
  naiveMaxMs: quick ? 2000 : 4000,
  memoryLeases: Number(str('memoryLeases') ?? (quick ? 20_000 : 100_000)),
  scaleoutConcurrency: 64,
  roundTripCalls: quick ? 200 : 1000,
  uniformityPerCell: quick ? 50 : 200,
};

let chosen: Section[] = str('sections') ? (list(str('sections')!) as Section[]) : SECTIONS.filter((s) => s !== 'profile' || opts.cpuProf);
for (const s of chosen) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`);
const skip = new Set(str('skip') ? list(str('skip')!) : []);
chosen = chosen.filter((s) => !skip.has(s));

installCleanup();
const started = Date.now();
const ctx: Ctx = {
  opts,
  log: (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`),
};

setMeasureLog(ctx.log);

function redisVersion(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const results: Results = {
  meta: {
    startedAt: new Date(started).toISOString(),
    node: process.version,
    redis: redisVersion(),
    cpus: cpus().length,
    cpuModel: cpuModel(),
    quick,
    sections: chosen,
    options: opts,
    notes: [
      opts.aof
        ? 'Redis: appendonly yes, appendfsync always.'
        : 'Redis: persistence off (no RDB snapshots, no AOF); --aof runs with appendonly + fsync always.',
      opts.redisSocket
        ? 'Redis: the service connects over a unix socket (--redis-socket); the harness over TCP.'
        : 'Redis: the service connects over TCP on 127.0.0.1 (--redis-socket: a unix socket).',
      'Service: node dist/src/cli.js serve --bench-noop at the default log level (info), stdout to /dev/null: ' +
        'one JSON log line per Allocate/Release is part of the measured cost, as in production.',
      `Everything (redis-server, service, load worker) shares this machine's ${cpus().length} cores; ` +
        'the load worker is a separate Node process.',
    ],
  },
  sections: {},
};

const runners: Record<Section, (ctx: Ctx) => Promise<unknown>> = {
  throughput: throughputSection,
  redis: redisSection,
  occupancy: occupancySection,
  memory: memorySection,
  scaleout: scaleoutSection,
  uniformity: uniformitySection,
  scaling: scalingSection,
  hostile: hostileSection,
  hooks: hooksSection,
  profile: profileSection,
};

let failed = false;
for (const s of chosen) {
  const t0 = Date.now();
  ctx.log(`section ${s}...`);
  try {
    (results.sections as Record<string, unknown>)[s] = await runners[s](ctx);
  } catch (err) {
    failed = true;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.log(`section ${s} FAILED: ${message}`);
    (results.sections as Record<string, unknown>)[s] = { error: message };
  }
  ctx.log(`section ${s} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
results.meta.elapsedSec = Math.round((Date.now() - started) / 100) / 10;

const { text, targets } = report(results);
results.targets = targets;
const out = str('out') ?? join(opts.resultsDir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(text + `\nJSON: ${out}\n`);
process.exit(failed ? 1 : 0);
