/**
 * Section 6: cycle throughput with one and with two service processes on the
 * same Redis, the load worker's channels spread over them.
 */
import { baseJob, type Ctx } from '../lib/context.js';
import { cleanOrAll, cpuPercent, noiseOf, runMeasured, type MeasuredPhase, type Noise } from '../lib/measure.js';
import { BenchRedis, ServiceProcess } from '../lib/procs.js';
import { spread, type Spread } from '../lib/summary.js';

export interface ScaleoutFigures {
  readonly services: number;
  readonly cyclesPerSec: Spread;
  readonly allocateP99Us: Spread;
  readonly cpuPercent: Record<string, Spread>;
}

export interface ScaleoutResult {
  readonly concurrency: number;
  readonly channels: number;
  readonly byServices: ScaleoutFigures[];
  /** cycles/s with 2 services / with 1 (median over repetitions). */
  readonly speedup: number;
  readonly noise: Noise;
  readonly runs: { rep: number; services: number; phase: MeasuredPhase }[];
}

export async function scaleoutSection(ctx: Ctx): Promise<ScaleoutResult> {
  const { opts } = ctx;
  const redis = await BenchRedis.start({ aof: opts.aof });
  const a = await ServiceProcess.start({ redisUrl: redis.url });
  const b = await ServiceProcess.start({ redisUrl: redis.url });
  const concurrency = opts.scaleoutConcurrency;
  const channels = 16;
  try {
    const runs: ScaleoutResult['runs'] = [];
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const services of [1, 2]) {
        ctx.log(`scale-out: rep ${rep}/${opts.reps}, ${services} service process(es), ${concurrency} cycles in flight`);
        const targets = services === 1 ? [a.address] : [a.address, b.address];
        const job = baseJob(ctx, { mode: 'cycle', concurrency, channels, targets });
        const { phases } = await runMeasured(job, { pids: { service1: a.pid, service2: b.pid, redis: redis.pid } });
        runs.push({ rep, services, phase: phases[0]! });
      }
    }
    const byServices = [1, 2].map((services): ScaleoutFigures => {
      const ps = cleanOrAll(runs.filter((r) => r.services === services).map((r) => r.phase));
      const cpu: Record<string, Spread> = {};
      for (const name of ['service1', 'service2', 'redis']) cpu[name] = spread(ps.map((p) => cpuPercent(p, name)));
      cpu['worker'] = spread(ps.map((p) => (p.workerCpuMs / p.elapsedMs) * 100));
      return {
        services,
        cyclesPerSec: spread(ps.map((p) => p.opsPerSec)),
        allocateP99Us: spread(ps.map((p) => p.allocateUs?.p99 ?? NaN)),
        cpuPercent: cpu,
      };
    });
    return {
      concurrency,
      channels,
      byServices,
      speedup: byServices[1]!.cyclesPerSec.median / byServices[0]!.cyclesPerSec.median,
      noise: noiseOf(runs.map((r) => r.phase)),
      runs,
    };
  } finally {
    await a.stop();
    await b.stop();
    await redis.stop();
  }
}
