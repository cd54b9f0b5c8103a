/**
 * Sections 1 and 2: Allocate+Release cycles through gRPC, Allocate-only and
 * Release-only calls, and the no-op RPC on the same server process with the
 * same client (the transport ceiling), at each concurrency; the service's
 * RSS under that load (section 5's last figure).
 */
import { addErrors, baseJob, channelsFor, latencySpread, type Ctx, type LatencySpread } from '../lib/context.js';
import { cleanOrAll, cpuPercent, cpuUsPerOp, isClean, noiseOf, runMeasured, type MeasuredPhase, type Noise } from '../lib/measure.js';
import { BenchRedis, memoryKb, ServiceProcess } from '../lib/procs.js';
import { spread, type Spread } from '../lib/summary.js';
import { openChannel } from '../lib/clients.js';
import { loadAllocatorProto } from '../../src/proto.js';
import { loadBenchProto } from '../../src/server/bench-service.js';

export interface CallFigures {
  readonly callsPerSec: Spread;
  readonly latencyUs: LatencySpread;
  /** CPU microseconds per call of each process (median over repetitions). */
  readonly cpuUsPerCall: Record<string, Spread>;
  /** CPU of each process over the window, % of one core. */
  readonly cpuPercent: Record<string, Spread>;
}

export interface ConcurrencyResult {
  readonly concurrency: number;
  readonly channels: number;
  readonly noop: CallFigures;
  /** grpc.health.v1.Health/Check: the empty call issue 17 compares with. */
  readonly health: CallFigures;
  readonly allocate: CallFigures;
  readonly release: CallFigures;
  readonly cycle: CallFigures & {
    readonly cyclesPerSec: Spread;
    readonly allocateUs: LatencySpread;
    readonly releaseUs: LatencySpread;
  };
  /** Per repetition: Allocate-only calls/s / no-op calls/s, and the same for Release. */
  readonly ratioAllocate: Spread;
  readonly ratioRelease: Spread;
  /** The same against Health/Check calls/s. */
  readonly ratioAllocateHealth: Spread;
  readonly ratioReleaseHealth: Spread;
  /** Per repetition: service CPU per Allocate (and per Release) / service CPU per Health/Check. */
  readonly serviceCpuAllocateHealth: Spread;
  readonly serviceCpuReleaseHealth: Spread;
  readonly errors: Record<string, number>;
  readonly releaseWindowsExhausted: number;
  readonly peakServiceRssKb: number;
}

export interface ThroughputResult {
  readonly byConcurrency: ConcurrencyResult[];
  readonly serviceRss: { readonly idleKb: number; readonly peakKb: number; readonly hwmKb: number };
  readonly noise: Noise;
  /** Serialized size of a real Allocate response and of the no-op's (they should match). */
  readonly responseBytes: { readonly allocate: number; readonly noop: number };
  readonly runs: { rep: number; concurrency: number; mode: string; phases: MeasuredPhase[] }[];
}

const PROCS = ['service', 'redis', 'worker'] as const;

function figures(phases: MeasuredPhase[]): CallFigures {
  const cpuUsPerCall: Record<string, Spread> = {};
  const cpuPct: Record<string, Spread> = {};
  for (const name of PROCS) {
    if (name === 'worker') {
      cpuUsPerCall[name] = spread(phases.map((p) => (p.ok > 0 ? (p.workerCpuMs * 1000) / p.ok : NaN)));
      cpuPct[name] = spread(phases.map((p) => (p.workerCpuMs / p.elapsedMs) * 100));
    } else {
      cpuUsPerCall[name] = spread(phases.map((p) => cpuUsPerOp(p, name)));
      cpuPct[name] = spread(phases.map((p) => cpuPercent(p, name)));
    }
  }
  return {
    callsPerSec: spread(phases.map((p) => p.opsPerSec)),
    latencyUs: latencySpread(phases.map((p) => p.latencyUs)),
    cpuUsPerCall,
    cpuPercent: cpuPct,
  };
}

export async function throughputSection(ctx: Ctx): Promise<ThroughputResult> {
  const { opts } = ctx;
  const redis = await BenchRedis.start({ aof: opts.aof, socket: opts.redisSocket });
  const svc = await ServiceProcess.start({ redisUrl: redis.url });
  const admin = redis.client();
  try {
    const idleKb = memoryKb(svc.pid).rss;
    const watch = { pids: { service: svc.pid, redis: redis.pid } };
    // Warm the service up (JIT, buffers, the Redis function library) before anything
    // is measured: a cold process would handicap whichever mode runs first.
    ctx.log('throughput: warming the service up (unmeasured)');
    for (const mode of ['noop', 'health', 'cycle', 'allocate-release'] as const) {
      await runMeasured(baseJob(ctx, { mode, concurrency: 16, targets: [svc.address], warmupMs: 0, durationMs: opts.quick ? 700 : 1500 }), {
        pids: {},
      });
    }
    const responseBytes = await responseSizes(svc.address);
    ctx.log(`throughput: response sizes: Allocate ${responseBytes.allocate} B, no-op ${responseBytes.noop} B`);
    const runs: ThroughputResult['runs'] = [];
    const modes = ['noop', 'health', 'cycle', 'allocate-release'] as const;
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const c of opts.concurrencies) {
        // Rotate the order from one repetition to the next, so that no mode
        // always runs first (or right after another given one).
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(k + rep - 1) % modes.length]!;
          ctx.log(`throughput: rep ${rep}/${opts.reps}, concurrency ${c}, ${mode}`);
          const job = baseJob(ctx, { mode, concurrency: c, targets: [svc.address] });
          const { phases } = await runMeasured(job, watch);
          runs.push({ rep, concurrency: c, mode, phases });
        }
      }
    }
    const byConcurrency = opts.concurrencies.map((c): ConcurrencyResult => {
      const of = (phase: string) =>
        cleanOrAll(runs.filter((r) => r.concurrency === c).flatMap((r) => r.phases.filter((p) => p.phase === phase)));
      const noop = of('noop');
      const health = of('health');
      const alloc = of('allocate');
      const rel = of('release');
      const cyc = of('cycle');
      const errors: Record<string, number> = {};
      for (const p of [...noop, ...health, ...alloc, ...rel, ...cyc]) addErrors(errors, p.errors);
      const perRep = (phase: string) =>
        Array.from({ length: opts.reps }, (_, i) =>
          runs
            .find((r) => r.rep === i + 1 && r.concurrency === c && r.phases.some((p) => p.phase === phase))
            ?.phases.find((p) => p.phase === phase),
        );
      // Per repetition; a repetition whose window or no-op window was noisy is left out (unless all are).
      const ratios = (phase: string, onlyClean: boolean, against = 'noop', of: (p: MeasuredPhase) => number = (p) => p.opsPerSec) =>
        perRep(phase).map((p, i) => {
          const n = perRep(against)[i];
          if (!p || !n || (onlyClean && (!isClean(p) || !isClean(n)))) return NaN;
          return of(p) / of(n);
        });
      const ratio = (phase: string, against = 'noop', of?: (p: MeasuredPhase) => number) => {
        const clean = ratios(phase, true, against, of);
        return spread(clean.some(Number.isFinite) ? clean : ratios(phase, false, against, of));
      };
      const serviceCpu = (p: MeasuredPhase) => cpuUsPerOp(p, 'service');
      const cycleFigures = figures(cyc);
      return {
        concurrency: c,
        channels: channelsFor(opts, c),
        noop: figures(noop),
        health: figures(health),
        allocate: figures(alloc),
        release: figures(rel),
        cycle: {
          ...cycleFigures,
          // A cycle is two calls.
          callsPerSec: spread(cyc.map((p) => p.opsPerSec * 2)),
          cyclesPerSec: spread(cyc.map((p) => p.opsPerSec)),
          allocateUs: latencySpread(cyc.map((p) => p.allocateUs)),
          releaseUs: latencySpread(cyc.map((p) => p.releaseUs)),
        },
        ratioAllocate: ratio('allocate'),
        ratioRelease: ratio('release'),
        ratioAllocateHealth: ratio('allocate', 'health'),
        ratioReleaseHealth: ratio('release', 'health'),
        serviceCpuAllocateHealth: ratio('allocate', 'health', serviceCpu),
        serviceCpuReleaseHealth: ratio('release', 'health', serviceCpu),
        errors,
        releaseWindowsExhausted: rel.filter((p) => p.exhausted).length,
        peakServiceRssKb: Math.max(...[...noop, ...health, ...alloc, ...rel, ...cyc].map((p) => p.sample.peakRssKb['service'] ?? 0)),
      };
    });
    const mem = memoryKb(svc.pid);
    const serviceRss = {
      idleKb,
      peakKb: Math.max(...byConcurrency.map((b) => b.peakServiceRssKb)),
      hwmKb: mem.hwm,
    };
    // The pool must be back where it started: every lease given back.
    const left = await admin.hget('mcs:{default}:meta', 'free');
    ctx.log(`throughput: pool free count at the end ${left}`);
    return { byConcurrency, serviceRss, noise: noiseOf(runs.flatMap((r) => r.phases)), responseBytes, runs };
  } finally {
    await svc.stop();
    await redis.stop();
  }
}

/** Serialized sizes of one real Allocate response and one no-op response to the same request. */
async function responseSizes(address: string): Promise<{ allocate: number; noop: number }> {
  const ch = openChannel(address, 'both');
  try {
    await ch.waitReady(5000);
    const req = { host: 'node-001.cluster.example.com', workload_id: 'f'.repeat(64) };
    const real = (await ch.allocator.Allocate(req, { deadlineMs: 5000 })) as unknown as Record<string, unknown>;
    const noop = await new Promise((resolve, reject) => ch.noop(req, 5000, (err, v) => (err ? reject(err) : resolve(v))));
    const leaseId = (real['lease'] as { lease_id: string }).lease_id;
    await ch.allocator.Release({ lease_id: leaseId }, { deadlineMs: 5000 });
    const allocDef = loadAllocatorProto().grpcObject.mcs.v1.LabelAllocator.service['Allocate'];
    const noopDef = loadBenchProto().service['Noop']!;
    return { allocate: allocDef.responseSerialize(real).length, noop: noopDef.responseSerialize(noop).length };
  } finally {
    ch.close();
  }
}
