/**
 * Section 7: are allocated pairs uniform over the free pairs? A pool of 16
 * categories (120 pairs), allocations through LeaseStore from a load worker,
 * each released again; Pearson's chi-square against the uniform
 * distribution (testkit/stats.ts) at low occupancy (the pool nearly
 * empty: every pair is a cell) and at high occupancy (108 of 120 pairs held:
 * the 12 free pairs are the cells).
 */
import { chiSquareUniform } from '../../testkit/stats.js';
import { formatLevel } from '../../src/domain/level.js';
import { baseJob, type Ctx } from '../lib/context.js';
import { fillStore, harnessStore } from '../lib/fill.js';
import { BenchRedis, runWorker } from '../lib/procs.js';

export interface UniformityCase {
  readonly name: string;
  readonly occupancy: number;
  readonly cells: number;
  readonly samples: number;
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** Allocations of a pair outside the cells (must be 0). */
  readonly outside: number;
  readonly minCount: number;
  readonly maxCount: number;
}

export interface UniformityResult {
  readonly categories: string;
  readonly total: number;
  readonly cases: UniformityCase[];
}

export async function uniformitySection(ctx: Ctx): Promise<UniformityResult> {
  const { opts } = ctx;
  const categories = 'c0.c15';
  const redis = await BenchRedis.start({ aof: false });
  const conns: { disconnect(): void }[] = [];
  try {
    const run = async (name: string, pool: string, held: number, concurrency: number): Promise<UniformityCase> => {
      const h = await harnessStore(redis.url, { pool, categories, reserved: 'none' });
      conns.push(h.redis);
      const all = Array.from({ length: h.store.space.size }, (_, r) => formatLevel(h.store.space.levelOf(r)));
      const { levels: taken } = await fillStore(h.store, held, { concurrency: 16 });
      const takenSet = new Set(taken);
      const cells = all.filter((l) => !takenSet.has(l));
      const samples = cells.length * opts.uniformityPerCell;
      ctx.log(`uniformity (${name}): ${samples.toLocaleString('en-US')} allocations over ${cells.length} free pairs`);
      const job = baseJob(ctx, {
        mode: 'store-cycle',
        concurrency,
        warmupMs: 0,
        durationMs: 300_000,
        maxOps: samples,
        recordLevels: true,
        store: { redisUrl: redis.url, pool, categories, reserved: 'none' },
      });
      const result = await runWorker(job);
      const counts = new Map(cells.map((c) => [c, 0]));
      let outside = 0;
      for (const l of result.levels ?? []) {
        const c = counts.get(l);
        if (c === undefined) outside++;
        else counts.set(l, c + 1);
      }
      const values = [...counts.values()];
      const chi = chiSquareUniform(values);
      return {
        name,
        occupancy: held / all.length,
        cells: cells.length,
        samples: result.levels?.length ?? 0,
        statistic: Math.round(chi.statistic * 100) / 100,
        df: chi.df,
        pValue: chi.pValue,
        outside,
        minCount: Math.min(...values),
        maxCount: Math.max(...values),
      };
    };
    // Low: nothing held; 4 allocations in flight keep at most 4 of 120 pairs (3%) taken.
    const low = await run('low occupancy', 'uniform-low', 0, 4);
    // High: 108 of 120 held (90%); one allocation at a time over the 12 free pairs.
    const high = await run('high occupancy', 'uniform-high', 108, 1);
    return { categories, total: 120, cases: [low, high] };
  } finally {
    for (const c of conns) c.disconnect();
    await redis.stop();
  }
}
