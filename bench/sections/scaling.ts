/**
 * How allocation cost grows with the pool size: LeaseStore allocate+release
 * cycles at concurrency 1 on pools of 120, 8,128, 130,816 and 523,776 pairs
 * (each allocation is given back, so even the smallest pool never runs out
 * and every pool stays at the same, near-zero occupancy), with the time
 * Redis spends per script call (INFO commandstats: the mean of the Allocate
 * and the Release script) and the Allocate latency the caller sees. Flat
 * means O(1); O(log N) would grow by the ratio of log N. Occupancy does not
 * change the work either: see the occupancy section.
 */
import { baseJob, latencySpread, type Ctx, type LatencySpread } from '../lib/context.js';
import { cleanOrAll, noiseOf, runMeasured, type MeasuredPhase, type Noise } from '../lib/measure.js';
import { BenchRedis } from '../lib/procs.js';
import { spread, type Spread } from '../lib/summary.js';

export interface ScalingPoint {
  readonly categories: string;
  readonly pairs: number;
  readonly allocateUs: LatencySpread;
  /** µs inside Redis per script call (Allocate and Release alternate). */
  readonly redisUsPerCall: Spread;
  readonly cyclesPerSec: Spread;
}

export interface ScalingResult {
  readonly points: ScalingPoint[];
  /** Redis µs per script call, largest pool / smallest. */
  readonly growth: number;
  /** log2(largest) / log2(smallest): what O(log N) would give. */
  readonly logGrowth: number;
  readonly verdict: string;
  readonly noise: Noise;
}

const POOLS = [
  ['c0.c15', 120],
  ['c0.c127', 8128],
  ['c0.c511', 130_816],
  ['c0.c1023', 523_776],
] as const;

export async function scalingSection(ctx: Ctx): Promise<ScalingResult> {
  const { opts } = ctx;
  const redis = await BenchRedis.start({ aof: opts.aof });
  const admin = redis.client();
  try {
    const runs = new Map<string, MeasuredPhase[]>();
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const [categories] of POOLS) {
        ctx.log(`scaling: rep ${rep}/${opts.reps}, pool ${categories}`);
        const job = baseJob(ctx, {
          mode: 'store-cycle',
          concurrency: 1,
          durationMs: Math.min(opts.durationMs, 1500),
          warmupMs: 500,
          store: { redisUrl: redis.url, pool: `scale-${categories.replace('.', '-')}`, categories, reserved: 'none' },
        });
        const { phases } = await runMeasured(job, { pids: { redis: redis.pid }, redis: admin });
        for (const p of phases) runs.set(`${categories}/${p.phase}`, [...(runs.get(`${categories}/${p.phase}`) ?? []), p]);
      }
    }
    const points = POOLS.map(([categories, pairs]): ScalingPoint => {
      const c = cleanOrAll(runs.get(`${categories}/cycle`) ?? []);
      return {
        categories,
        pairs,
        allocateUs: latencySpread(c.map((p) => p.allocateUs)),
        redisUsPerCall: spread(c.map((p) => p.sample.redisCommands?.['fcall']?.usecPerCall ?? NaN)),
        cyclesPerSec: spread(c.map((p) => p.opsPerSec)),
      };
    });
    const first = points[0]!;
    const last = points[points.length - 1]!;
    const growth = last.redisUsPerCall.median / first.redisUsPerCall.median;
    const logGrowth = Math.log2(last.pairs) / Math.log2(first.pairs);
    const verdict =
      growth <= 1.25
        ? `O(1): ${growth.toFixed(2)}x from ${first.pairs} to ${last.pairs} pairs (O(log N) would be ${logGrowth.toFixed(2)}x)`
        : growth <= logGrowth
          ? `O(log N) or better: ${growth.toFixed(2)}x (log N grows ${logGrowth.toFixed(2)}x)`
          : `worse than O(log N): ${growth.toFixed(2)}x (log N grows ${logGrowth.toFixed(2)}x)`;
    return { points, growth, logGrowth, verdict, noise: noiseOf([...runs.values()].flat()) };
  } finally {
    await redis.stop();
  }
}
