/**
 * Section 3: the Redis ceiling (allocations per second through LeaseStore,
 * one FCALL each, no gRPC, from a separate process), what one Allocate and
 * one Release cost inside Redis, and the exact number of Redis round trips
 * the service makes per Allocate and per Release, counted with MONITOR.
 */
import type { Redis } from 'ioredis';
import { library } from '../../src/store/scripts.js';
import { baseJob, latencySpread, type Ctx, type LatencySpread } from '../lib/context.js';
import { cleanOrAll, cpuPercent, cpuUsPerOp, noiseOf, runMeasured, type MeasuredPhase, type Noise } from '../lib/measure.js';
import { BenchRedis, ServiceProcess } from '../lib/procs.js';
import { openChannel } from '../lib/clients.js';
import { spread, type Spread } from '../lib/summary.js';
import { hostNames, WorkloadIds } from '../lib/workload.js';

export interface CeilingFigures {
  readonly concurrency: number;
  readonly opsPerSec: Spread;
  readonly latencyUs: LatencySpread;
  /** INFO commandstats usec_per_call of FCALL: time inside Redis running the operation. */
  readonly redisScriptUsPerCall: Spread;
  /** redis-server CPU per operation from /proc (script + network I/O + everything else). */
  readonly redisCpuUsPerOp: Spread;
  readonly redisCpuPercent: Spread;
  readonly workerCpuPercent: Spread;
}

export interface RoundTrips {
  readonly calls: number;
  /** Top-level commands from the service's connections per call (background commands excluded). */
  readonly perCall: number;
  /** Those commands by name, e.g. "fcall allocate". */
  readonly commands: Record<string, number>;
  /** Excluded: the health check's PING and the reaper's script, which run on timers. */
  readonly background: Record<string, number>;
  /** Commands a script ran inside Redis, per call. */
  readonly scriptCommandsPerCall: number;
  readonly scriptCommands: Record<string, number>;
}

export interface RedisResult {
  readonly allocate: CeilingFigures[];
  readonly release: CeilingFigures[];
  readonly roundTrips: { readonly allocate: RoundTrips; readonly release: RoundTrips };
  readonly noise: Noise;
  readonly runs: { rep: number; concurrency: number; phases: MeasuredPhase[] }[];
}

function ceiling(concurrency: number, phases: MeasuredPhase[]): CeilingFigures {
  return {
    concurrency,
    opsPerSec: spread(phases.map((p) => p.opsPerSec)),
    latencyUs: latencySpread(phases.map((p) => p.latencyUs)),
    redisScriptUsPerCall: spread(phases.map((p) => p.sample.redisCommands?.['fcall']?.usecPerCall ?? NaN)),
    redisCpuUsPerOp: spread(phases.map((p) => cpuUsPerOp(p, 'redis'))),
    redisCpuPercent: spread(phases.map((p) => cpuPercent(p, 'redis'))),
    workerCpuPercent: spread(phases.map((p) => (p.workerCpuMs / p.elapsedMs) * 100)),
  };
}

export async function redisSection(ctx: Ctx): Promise<RedisResult> {
  const { opts } = ctx;
  const redis = await BenchRedis.start({ aof: opts.aof });
  const svc = await ServiceProcess.start({ redisUrl: redis.url });
  const admin = redis.client();
  try {
    const runs: RedisResult['runs'] = [];
    const concurrencies = [16, 64];
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const c of concurrencies) {
        ctx.log(`redis ceiling: rep ${rep}/${opts.reps}, ${c} calls in flight through LeaseStore`);
        const job = baseJob(ctx, {
          mode: 'store-allocate-release',
          concurrency: c,
          store: { redisUrl: redis.url, pool: 'default', categories: 'c0.c1023' },
        });
        const { phases } = await runMeasured(job, { pids: { redis: redis.pid }, redis: admin });
        runs.push({ rep, concurrency: c, phases });
      }
    }
    const pick = (c: number, phase: string) =>
      cleanOrAll(runs.filter((r) => r.concurrency === c).flatMap((r) => r.phases.filter((p) => p.phase === phase)));
    ctx.log('redis: counting round trips per Allocate and Release with MONITOR');
    const roundTrips = await countRoundTrips(redis, svc, opts.roundTripCalls);
    return {
      allocate: concurrencies.map((c) => ceiling(c, pick(c, 'allocate'))),
      release: concurrencies.map((c) => ceiling(c, pick(c, 'release'))),
      roundTrips,
      noise: noiseOf(runs.flatMap((r) => r.phases)),
      runs,
    };
  } finally {
    await svc.stop();
    await redis.stop();
  }
}

// ---------------------------------------------------------------------------

/** Redis function name -> operation name (operations.ts OPERATIONS' keys, e.g. "allocate"). */
function functionNames(): Map<string, string> {
  return new Map(Object.entries(library().functions).map(([op, fn]) => [fn, op]));
}

interface MonitorEvent {
  readonly args: string[];
  readonly source: string;
}

const BACKGROUND = new Set(['ping', 'fcall reap', 'fcall poolStats', 'function', 'info', 'client']);

/**
 * Counts, between two ECHO markers sent by the harness, the commands Redis
 * received from the service's connections while the harness made `n` calls:
 * MONITOR shows every top-level command with its client's address, and the
 * commands a script runs with the source "lua".
 */
async function countRoundTrips(redis: BenchRedis, svc: ServiceProcess, n: number): Promise<{ allocate: RoundTrips; release: RoundTrips }> {
  const functions = functionNames();
  const admin = redis.client();
  const events: MonitorEvent[] = [];
  const monitor = await redis.client().monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => events.push({ args, source }));
  const channel = openChannel(svc.address, 'allocator');
  const hosts = hostNames(100);
  const ids = new WorkloadIds();
  const concurrency = 8;
  try {
    await channel.waitReady(5000);
    const allocate = async (i: number) =>
      (await channel.allocator.Allocate({ host: hosts[i % hosts.length]!, workload_id: ids.next() }, { deadlineMs: 10_000 })).lease
        .lease_id;
    const release = async (id: string) => {
      await channel.allocator.Release({ lease_id: id }, { deadlineMs: 10_000 });
    };
    // Warm the path (connections, JIT) outside the counted windows.
    for (let i = 0; i < 50; i++) await release(await allocate(i));

    const leaseIds: string[] = [];
    const allocateRt = await counted(admin, monitor, events, functions, 'allocate', n, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) leaseIds.push(await allocate(next++));
        }),
      );
    });
    const releaseRt = await counted(admin, monitor, events, functions, 'release', leaseIds.length, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < leaseIds.length) await release(leaseIds[next++]!);
        }),
      );
    });
    return { allocate: allocateRt, release: releaseRt };
  } finally {
    channel.close();
    monitor.disconnect();
  }
}

async function counted(
  admin: Redis,
  _monitor: Redis,
  events: MonitorEvent[],
  functions: Map<string, string>,
  label: string,
  n: number,
  run: () => Promise<void>,
): Promise<RoundTrips> {
  const begin = `bench-begin-${label}-${Date.now()}`;
  const end = `bench-end-${label}-${Date.now()}`;
  const isMarker = (e: MonitorEvent, m: string) => e.args[0]?.toLowerCase() === 'echo' && e.args[1] === m;
  await admin.echo(begin);
  await run();
  await admin.echo(end);
  const until = Date.now() + 5000;
  while (!events.some((e) => isMarker(e, end))) {
    if (Date.now() > until) throw new Error('MONITOR did not deliver the end marker');
    await new Promise((r) => setTimeout(r, 20));
  }
  const from = events.findIndex((e) => isMarker(e, begin));
  const to = events.findIndex((e) => isMarker(e, end));
  const adminSource = events[from]!.source;
  const commands: Record<string, number> = {};
  const background: Record<string, number> = {};
  const scriptCommands: Record<string, number> = {};
  let top = 0;
  let inner = 0;
  for (const e of events.slice(from + 1, to)) {
    if (e.source === adminSource) continue;
    const cmd = (e.args[0] ?? '').toLowerCase();
    if (e.source === 'lua') {
      scriptCommands[cmd] = (scriptCommands[cmd] ?? 0) + 1;
      inner++;
      continue;
    }
    let name = cmd;
    if (cmd === 'fcall') name = `fcall ${functions.get(e.args[1] ?? '') ?? 'unknown-function'}`;
    if (BACKGROUND.has(name)) {
      background[name] = (background[name] ?? 0) + 1;
      continue;
    }
    commands[name] = (commands[name] ?? 0) + 1;
    top++;
  }
  events.length = 0;
  // The script-internal commands of a background script (a reaper run) are
  // few and not separable by source; they are included above.
  return {
    calls: n,
    perCall: top / n,
    commands,
    background,
    scriptCommandsPerCall: Math.round((inner / n) * 100) / 100,
    scriptCommands: Object.fromEntries(Object.entries(scriptCommands).map(([k, v]) => [k, Math.round((v / n) * 100) / 100])),
  };
}
