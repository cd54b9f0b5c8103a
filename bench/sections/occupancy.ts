/**
 * Section 4: Allocate latency with the pool 0%, 50%, 90%, 99% and 99.9%
 * full. The pool is filled through LeaseStore in bulk; at each level the
 * service is measured through gRPC at concurrency 1 with every allocation
 * released again (occupancy stays fixed), then LeaseStore directly (no gRPC),
 * then go-selinux's random-probing loop against a Redis SET holding exactly
 * the same taken levels.
 */
import { parseCategoryRange } from '../../src/domain/categories.js';
import { baseJob, latencySpread, type Ctx, type LatencySpread } from '../lib/context.js';
import { fillStore, harnessStore } from '../lib/fill.js';
import { cleanOrAll, noiseOf, runMeasured, type MeasuredPhase, type Noise } from '../lib/measure.js';
import { BenchRedis, ServiceProcess } from '../lib/procs.js';
import type { Latency, PhaseResult } from '../lib/protocol.js';

export interface OccupancyLevel {
  readonly target: number;
  /** (leased + reserved) / total, read back from the pool. */
  readonly occupancy: number;
  readonly leased: number;
  readonly free: number;
  /** Allocate through gRPC (the Allocate half of each cycle), per repetition. */
  readonly service: LatencySpread & { readonly samples: number; readonly errors: Record<string, number> };
  /** LeaseStore.allocate directly, per repetition. */
  readonly store: LatencySpread & { readonly samples: number };
  readonly naive: {
    readonly latencyUs: Latency;
    readonly samples: number;
    readonly probes?: PhaseResult['probes'];
    readonly capped: number;
    readonly timeCapped: boolean;
  };
  /** Redis SLOWLOG entries (> 1 ms) and LATENCY LATEST during the service measurement. */
  readonly slowlog: number;
  readonly latencyEvents: unknown[];
}

export interface OccupancyResult {
  readonly categories: string;
  readonly total: number;
  readonly reserved: number;
  readonly fill: { readonly leases: number; readonly seconds: number; readonly perSecond: number };
  readonly caps: {
    readonly naiveMaxProbes: number;
    readonly naiveMaxSamples: number;
    readonly naiveMaxMs: number;
    readonly samplesPerRep: number;
    readonly reps: number;
  };
  readonly levels: OccupancyLevel[];
  readonly noise: Noise;
}

export async function occupancySection(ctx: Ctx): Promise<OccupancyResult> {
  const { opts } = ctx;
  const categories = opts.occupancyCategories;
  const range = parseCategoryRange(categories);
  const redis = await BenchRedis.start({ aof: opts.aof });
  const svc = await ServiceProcess.start({ redisUrl: redis.url, categories });
  const admin = redis.client();
  const { store, redis: conn, reservedLevels } = await harnessStore(redis.url, { categories });
  const naiveKey = 'naive:taken';
  try {
    const total = store.space.size;
    if (reservedLevels.length > 0) await admin.sadd(naiveKey, ...reservedLevels);
    await admin.config('SET', 'slowlog-log-slower-than', '1000');
    await admin.config('SET', 'latency-monitor-threshold', '1');
    // Warm the service up first (JIT, connections), so that the 0% level,
    // measured first, is not handicapped by a cold process.
    ctx.log('occupancy: warming the service up (unmeasured)');
    await runMeasured(
      baseJob(ctx, { mode: 'cycle', concurrency: 16, targets: [svc.address], warmupMs: 0, durationMs: opts.quick ? 700 : 1500 }),
      { pids: {} },
    );
    let leased = 0;
    let fillMs = 0;
    const levels: OccupancyLevel[] = [];
    const reps = Math.max(1, opts.reps);
    const allPhases: MeasuredPhase[] = [];
    for (const target of opts.occupancyLevels) {
      const want = Math.max(0, Math.round(target * total) - reservedLevels.length);
      if (want > leased) {
        const t0 = Date.now();
        const { levels: taken } = await fillStore(store, want - leased, { log: ctx.log, label: `occupancy fill to ${target * 100}%` });
        fillMs += Date.now() - t0;
        for (let i = 0; i < taken.length; i += 5000) await admin.sadd(naiveKey, ...taken.slice(i, i + 5000));
        leased = want;
      }
      const stats = await store.stats();
      const naiveSize = await admin.scard(naiveKey);
      if (naiveSize !== stats.leased + stats.reserved)
        throw new Error(`naive set holds ${naiveSize} levels, the pool ${stats.leased + stats.reserved}`);
      const occupancy = (stats.leased + stats.reserved) / stats.total;
      const pct = `${(occupancy * 100).toFixed(2)}%`;

      ctx.log(`occupancy ${pct}: service via gRPC, ${reps} x ${opts.occupancySamples} allocations`);
      await admin.slowlog('RESET');
      await admin.call('LATENCY', 'RESET');
      const svcRuns: MeasuredPhase[] = [];
      for (let r = 0; r < reps; r++) {
        const job = baseJob(ctx, {
          mode: 'cycle',
          concurrency: 1,
          targets: [svc.address],
          warmupOps: 200,
          durationMs: 120_000,
          maxOps: opts.occupancySamples,
        });
        svcRuns.push((await runMeasured(job, { pids: { service: svc.pid, redis: redis.pid } })).phases[0]!);
      }
      const slowlog = Number(await admin.slowlog('LEN'));
      const latencyEvents = (await admin.call('LATENCY', 'LATEST')) as unknown[];

      ctx.log(`occupancy ${pct}: LeaseStore directly`);
      const storeRuns: MeasuredPhase[] = [];
      for (let r = 0; r < reps; r++) {
        const job = baseJob(ctx, {
          mode: 'store-cycle',
          concurrency: 1,
          warmupOps: 200,
          durationMs: 120_000,
          maxOps: opts.occupancySamples,
          store: { redisUrl: redis.url, pool: 'default', categories },
        });
        storeRuns.push((await runMeasured(job, { pids: { redis: redis.pid } })).phases[0]!);
      }

      ctx.log(`occupancy ${pct}: naive random probing (up to ${opts.naiveMaxSamples} allocations or ${opts.naiveMaxMs} ms)`);
      const naiveJob = baseJob(ctx, {
        mode: 'naive-cycle',
        concurrency: 1,
        warmupOps: 20,
        warmupMs: 0,
        durationMs: opts.naiveMaxMs,
        maxOps: opts.naiveMaxSamples,
        naive: { redisUrl: redis.url, key: naiveKey, low: range.low, high: range.high, maxProbes: opts.naiveMaxProbes },
      });
      const naive = (await runMeasured(naiveJob, { pids: { redis: redis.pid } })).phases[0]!;
      allPhases.push(...svcRuns, ...storeRuns, naive);

      const errors: Record<string, number> = {};
      for (const p of svcRuns) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
      levels.push({
        target,
        occupancy,
        leased: stats.leased,
        free: stats.free,
        service: {
          ...latencySpread(cleanOrAll(svcRuns).map((p) => p.allocateUs)),
          samples: cleanOrAll(svcRuns).reduce((a, p) => a + p.ok, 0),
          errors,
        },
        store: {
          ...latencySpread(cleanOrAll(storeRuns).map((p) => p.allocateUs)),
          samples: cleanOrAll(storeRuns).reduce((a, p) => a + p.ok, 0),
        },
        naive: {
          latencyUs: naive.allocateUs!,
          samples: naive.ok,
          ...(naive.probes ? { probes: naive.probes } : {}),
          capped: naive.probes?.capped ?? 0,
          timeCapped: naive.ops < opts.naiveMaxSamples,
        },
        slowlog,
        latencyEvents,
      });
    }
    return {
      categories,
      total,
      reserved: reservedLevels.length,
      fill: { leases: leased, seconds: fillMs / 1000, perSecond: fillMs > 0 ? Math.round(leased / (fillMs / 1000)) : 0 },
      caps: {
        naiveMaxProbes: opts.naiveMaxProbes,
        naiveMaxSamples: opts.naiveMaxSamples,
        naiveMaxMs: opts.naiveMaxMs,
        samplesPerRep: opts.occupancySamples,
        reps,
      },
      levels,
      noise: noiseOf(allPhases),
    };
  } finally {
    conn.disconnect();
    await svc.stop();
    await redis.stop();
  }
}
