import type { Redis } from 'ioredis';
import { commandStats, cpuMs, machineCpuMs, memoryKb, ownPids, runWorker } from './procs.js';
import type { Job, PhaseResult, WorkerResult } from './protocol.js';

/** What the harness saw of the other processes over one measured window. */
export interface WindowSample {
  /** CPU ms of each watched process over the window. */
  readonly cpuMs: Record<string, number>;
  /** Highest VmRSS (KiB) seen for each watched process during the window (sampled every 100 ms). */
  readonly peakRssKb: Record<string, number>;
  /** Redis INFO commandstats over the window (only when a Redis client was given). */
  readonly redisCommands?: Record<string, { calls: number; usec: number; usecPerCall: number }>;
  /**
   * CPU used on this machine by processes that are not the benchmark's (the
   * harness, its redis-servers, services and workers), % of one core, and
   * CPU stolen by the hypervisor: other work that competed with the window.
   */
  readonly foreignCpuPct: number;
  readonly stealPct: number;
}

export type MeasuredPhase = PhaseResult & { readonly sample: WindowSample; readonly attempts: number };

export interface Watch {
  /** Processes to watch by name, e.g. { service: pid, redis: pid }. */
  readonly pids: Record<string, number>;
  /** Reset and read Redis command statistics around each window. */
  readonly redis?: Redis;
}

/** Above this much foreign CPU (% of one core) a window is measured again. */
export const FOREIGN_LIMIT_PCT = 15;
const RETRIES = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ownCpu(): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of ownPids()) m.set(pid, cpuMs(pid));
  const self = process.cpuUsage();
  m.set(process.pid, (self.user + self.system) / 1000);
  return m;
}

function ownDelta(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [pid, v] of b) {
    const before = a.get(pid);
    if (before !== undefined && Number.isFinite(before) && Number.isFinite(v)) sum += v - before;
  }
  return sum;
}

/** Foreign CPU (% of one core) over `ms` while nothing is being measured. */
async function foreignLoad(ms: number): Promise<number> {
  const m0 = machineCpuMs();
  const o0 = ownCpu();
  await sleep(ms);
  const m1 = machineCpuMs();
  const o1 = ownCpu();
  return ((m1.busy - m0.busy - ownDelta(o0, o1)) / ms) * 100;
}

/**
 * Waits (up to maxWaitMs) until other processes on the machine leave it
 * alone: the benchmark shares the machine with whatever else runs there.
 */
export async function waitQuiet(log: (msg: string) => void, maxWaitMs = 60_000): Promise<number> {
  const until = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const load = await foreignLoad(300);
    if (load <= FOREIGN_LIMIT_PCT || Date.now() > until) {
      if (load > FOREIGN_LIMIT_PCT) log(`machine still busy (${load.toFixed(0)}% of a core used by other processes); measuring anyway`);
      return load;
    }
    if (!warned) log(`waiting for other processes on the machine to calm down (${load.toFixed(0)}% of a core)`);
    warned = true;
    await sleep(700);
  }
}

let logger: (msg: string) => void = () => {};
export function setMeasureLog(log: (msg: string) => void): void {
  logger = log;
}

/**
 * Runs a worker job and samples the watched processes over each of its
 * windows. Before the run it waits for a quiet machine; a run during which
 * other processes used more than FOREIGN_LIMIT_PCT of a core is repeated (up
 * to RETRIES times, keeping the quietest attempt).
 */
export async function runMeasured(job: Job, watch: Watch): Promise<{ result: WorkerResult; phases: MeasuredPhase[] }> {
  let best: { result: WorkerResult; phases: MeasuredPhase[]; foreign: number } | undefined;
  for (let attempt = 1; attempt <= RETRIES + 1; attempt++) {
    await waitQuiet(logger);
    const r = await runOnce(job, watch, attempt);
    const foreign = Math.max(...r.phases.map((p) => p.sample.foreignCpuPct), 0);
    if (!best || foreign < best.foreign) best = { ...r, foreign };
    if (foreign <= FOREIGN_LIMIT_PCT) break;
    if (attempt <= RETRIES) logger(`other processes used ${foreign.toFixed(0)}% of a core during the window: measuring again`);
  }
  return { result: best!.result, phases: best!.phases };
}

async function runOnce(job: Job, watch: Watch, attempt: number): Promise<{ result: WorkerResult; phases: MeasuredPhase[] }> {
  const samples = new Map<string, WindowSample>();
  let start: Record<string, number> = {};
  let peak: Record<string, number> = {};
  let machine0 = { busy: 0, steal: 0 };
  let own0 = new Map<number, number>();
  let t0 = 0;
  let timer: NodeJS.Timeout | undefined;
  const sampleRss = () => {
    for (const [name, pid] of Object.entries(watch.pids)) peak[name] = Math.max(peak[name] ?? 0, memoryKb(pid).rss);
  };
  const result = await runWorker(job, {
    onWindowStart: async () => {
      if (watch.redis) await watch.redis.config('RESETSTAT');
      start = Object.fromEntries(Object.entries(watch.pids).map(([n, pid]) => [n, cpuMs(pid)]));
      peak = {};
      sampleRss();
      timer = setInterval(sampleRss, 100);
      machine0 = machineCpuMs();
      own0 = ownCpu();
      t0 = performance.now();
    },
    onWindowEnd: async (phase) => {
      const machine1 = machineCpuMs();
      const own1 = ownCpu();
      const ms = performance.now() - t0;
      clearInterval(timer);
      sampleRss();
      const cpu = Object.fromEntries(Object.entries(watch.pids).map(([n, pid]) => [n, Math.round(cpuMs(pid) - (start[n] ?? NaN))]));
      const redisCommands = watch.redis ? await commandStats(watch.redis) : undefined;
      const foreign = machine1.busy - machine0.busy - ownDelta(own0, own1);
      samples.set(phase, {
        cpuMs: cpu,
        peakRssKb: { ...peak },
        ...(redisCommands ? { redisCommands } : {}),
        foreignCpuPct: Math.round((Math.max(0, foreign) / ms) * 1000) / 10,
        stealPct: Math.round(((machine1.steal - machine0.steal) / ms) * 1000) / 10,
      });
    },
  });
  clearInterval(timer);
  const phases = result.phases.map((p) => ({
    ...p,
    attempts: attempt,
    sample: samples.get(p.phase) ?? { cpuMs: {}, peakRssKb: {}, foreignCpuPct: Number.NaN, stealPct: Number.NaN },
  }));
  return { result, phases };
}

/** Microseconds of a process's CPU per operation of a phase. */
export function cpuUsPerOp(p: MeasuredPhase, name: string): number {
  const ms = p.sample.cpuMs[name];
  if (ms === undefined || !Number.isFinite(ms) || p.ok === 0) return Number.NaN;
  return (ms * 1000) / p.ok;
}

/** CPU of a process over the window as % of one core. */
export function cpuPercent(p: MeasuredPhase, name: string): number {
  const ms = p.sample.cpuMs[name];
  if (ms === undefined || p.elapsedMs <= 0) return Number.NaN;
  return (ms / p.elapsedMs) * 100;
}

/** How much other work shared the machine during a set of windows. */
export interface Noise {
  readonly windows: number;
  readonly medianForeignPct: number;
  readonly maxForeignPct: number;
  readonly maxStealPct: number;
  /** Windows that had to be measured more than once. */
  readonly remeasured: number;
  /** Windows still above the limit after every retry (left out of medians when a clean one exists). */
  readonly noisy: number;
}

export function noiseOf(phases: readonly MeasuredPhase[]): Noise {
  const f = phases
    .map((p) => p.sample.foreignCpuPct)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    windows: phases.length,
    medianForeignPct: f.length ? f[f.length >> 1]! : Number.NaN,
    maxForeignPct: f.length ? f[f.length - 1]! : Number.NaN,
    maxStealPct: Math.max(0, ...phases.map((p) => p.sample.stealPct).filter(Number.isFinite)),
    remeasured: phases.filter((p) => p.attempts > 1).length,
    noisy: phases.filter((p) => !isClean(p)).length,
  };
}

/** A window during which other processes stayed under FOREIGN_LIMIT_PCT of a core. */
export function isClean(p: MeasuredPhase): boolean {
  return !(p.sample.foreignCpuPct > FOREIGN_LIMIT_PCT);
}

/**
 * The windows to summarise: the clean ones, or all of them when none is
 * clean (the JSON keeps every window, with its foreignCpuPct).
 */
export function cleanOrAll<T extends MeasuredPhase>(phases: readonly T[]): T[] {
  const clean = phases.filter(isClean);
  return clean.length > 0 ? clean : [...phases];
}
