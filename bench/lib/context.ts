import type { Job, Latency } from './protocol.js';
import { spread, type Spread } from './summary.js';

export interface Options {
  readonly quick: boolean;
  readonly reps: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly concurrencies: number[];
  /** Channels per load worker; 0 = min(concurrency, 16). */
  readonly channels: number;
  readonly hosts: number;
  readonly aof: boolean;
  /** The service reaches Redis over a unix socket (the harness keeps TCP). */
  readonly redisSocket: boolean;
  readonly cpuProf: boolean;
  readonly resultsDir: string;
  /** Category range of the occupancy pool (c0.c1023 = 523,776 pairs). */
  readonly occupancyCategories: string;
  readonly occupancyLevels: number[];
  /** gRPC/store samples per occupancy level and repetition. */
  readonly occupancySamples: number;
  readonly naiveMaxProbes: number;
  readonly naiveMaxSamples: number;
  readonly naiveMaxMs: number;
  readonly memoryLeases: number;
  readonly scaleoutConcurrency: number;
  readonly roundTripCalls: number;
  readonly uniformityPerCell: number;
}

export interface Ctx {
  readonly opts: Options;
  /** Progress on stderr. */
  log: (msg: string) => void;
}

export function channelsFor(opts: Options, concurrency: number): number {
  return opts.channels > 0 ? Math.min(opts.channels, concurrency) : Math.min(concurrency, 16);
}

export function baseJob(ctx: Ctx, over: Partial<Job> & Pick<Job, 'mode'>): Job {
  const o = ctx.opts;
  const concurrency = over.concurrency ?? 1;
  return {
    targets: [],
    concurrency,
    channels: channelsFor(o, concurrency),
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    hosts: o.hosts,
    deadlineMs: 10_000,
    ...over,
  };
}

export interface LatencySpread {
  readonly p50: Spread;
  readonly p99: Spread;
  readonly p999: Spread;
}

export function latencySpread(list: readonly (Latency | undefined)[]): LatencySpread {
  const get = (k: 'p50' | 'p99' | 'p999') => spread(list.map((l) => (l && l.count > 0 ? l[k] : Number.NaN)));
  return { p50: get('p50'), p99: get('p99'), p999: get('p999') };
}

export function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
