/**
 * Load generator: a separate process started by bench/run.ts. It reads one
 * Job (bench/lib/protocol.ts) as a JSON line on stdin, keeps `concurrency`
 * operations in flight over `channels` independent gRPC channels (or one
 * ioredis connection in the store and naive modes), warms up, measures for a
 * fixed window, and prints JSON lines: events while it runs, the result at
 * the end. It exits when its stdin closes (the harness died).
 *
 *   node dist/bench/load-worker.js < job.json
 */
import { randomInt } from 'node:crypto';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { harnessStore } from './lib/fill.js';
import { errorName, openChannel, type BenchChannel } from './lib/clients.js';
import type { Job, Latency, PhaseResult, WorkerLine, WorkerResult } from './lib/protocol.js';
import { hostNames, WorkloadIds } from './lib/workload.js';

/**
 * Writes one JSON line. stdout is a pipe, where Node writes asynchronously:
 * the returned promise resolves once the line is handed to the OS, which
 * matters before process.exit (a long result would be cut off otherwise).
 */
function emit(line: WorkerLine): Promise<void> {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(line) + '\n', () => resolve()));
}

const now = () => process.hrtime.bigint();

function summary(h: RecordableHistogram): Latency {
  if (h.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const us = (ns: number) => Math.round(ns / 10) / 100;
  return {
    count: h.count,
    min: us(h.min),
    mean: us(h.mean),
    p50: us(h.percentile(50)),
    p90: us(h.percentile(90)),
    p99: us(h.percentile(99)),
    p999: us(h.percentile(99.9)),
    max: us(h.max),
  };
}

const newHistogram = () => createHistogram({ lowest: 1, highest: 120e9, figures: 3 });
const record = (h: RecordableHistogram, ns: bigint) => h.record(ns > 0n ? ns : 1n);

/**
 * One measured phase: warm-up (by time or count), then a window that ends
 * after durationMs or maxOps operations, whichever comes first. Operations
 * are counted when they complete inside the window.
 */
class Window {
  state: 'warmup' | 'measure' | 'done' = 'warmup';
  private t0 = 0n;
  private t1 = 0n;
  private warmed = 0;
  ops = 0;
  ok = 0;
  exhausted = false;
  readonly errors: Record<string, number> = {};
  readonly latency = newHistogram();
  readonly first = newHistogram();
  readonly second = newHistogram();
  readonly probes: number[] = [];
  probeCapped = 0;
  private cpu0: NodeJS.CpuUsage = process.cpuUsage();
  private cpuMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private doneResolve!: () => void;
  readonly done = new Promise<void>((r) => (this.doneResolve = r));

  constructor(
    readonly phase: string,
    private readonly warmupMs: number,
    private readonly warmupOps: number,
    private readonly durationMs: number,
    private readonly maxOps: number,
  ) {}

  start(): void {
    if (this.warmupOps > 0) return;
    if (this.warmupMs <= 0) this.measure();
    else this.timer = setTimeout(() => this.measure(), this.warmupMs);
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  get measuring(): boolean {
    return this.state === 'measure';
  }

  private measure(): void {
    if (this.state !== 'warmup') return;
    this.state = 'measure';
    void emit({ event: 'window-start', phase: this.phase });
    this.cpu0 = process.cpuUsage();
    this.t0 = now();
    this.timer = setTimeout(() => this.finish(), this.durationMs);
  }

  finish(exhausted = false): void {
    if (this.state === 'done') return;
    if (this.state === 'warmup') {
      // Ran out of work before measuring anything.
      this.t0 = now();
    }
    this.t1 = now();
    const cpu = process.cpuUsage(this.cpu0);
    this.cpuMs = (cpu.user + cpu.system) / 1000;
    this.exhausted = exhausted;
    this.state = 'done';
    clearTimeout(this.timer);
    void emit({ event: 'window-end', phase: this.phase, ops: this.ops });
    this.doneResolve();
  }

  /** An operation finished: latencies in ns (second half optional, for cycles). */
  complete(err: unknown, total: bigint, first?: bigint, second?: bigint): void {
    if (this.state === 'warmup') {
      if (this.warmupOps > 0 && ++this.warmed >= this.warmupOps) this.measure();
      return;
    }
    if (this.state !== 'measure') return;
    this.ops++;
    if (err) {
      const name = errorName(err);
      this.errors[name] = (this.errors[name] ?? 0) + 1;
    } else {
      this.ok++;
      record(this.latency, total);
      if (first !== undefined) record(this.first, first);
      if (second !== undefined) record(this.second, second);
    }
    if (this.maxOps > 0 && this.ops >= this.maxOps) this.finish();
  }

  result(cycle: boolean): PhaseResult {
    const elapsedMs = Number(this.t1 - this.t0) / 1e6;
    const out: PhaseResult = {
      phase: this.phase,
      ops: this.ops,
      ok: this.ok,
      errors: this.errors,
      elapsedMs: Math.round(elapsedMs * 10) / 10,
      opsPerSec: elapsedMs > 0 ? Math.round((this.ok / elapsedMs) * 1000 * 10) / 10 : 0,
      latencyUs: summary(this.latency),
      ...(cycle ? { allocateUs: summary(this.first), releaseUs: summary(this.second) } : {}),
      ...(this.exhausted ? { exhausted: true } : {}),
      workerCpuMs: Math.round(this.cpuMs),
    };
    if (this.probes.length > 0) {
      const sorted = [...this.probes].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
      return {
        ...out,
        probes: {
          mean: Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 10) / 10,
          p50: q(50),
          p99: q(99),
          max: sorted[sorted.length - 1]!,
          capped: this.probeCapped,
        },
      };
    }
    return out;
  }
}

/** What a slot does: allocate a pair for a workload and give it back. */
interface Driver {
  allocate(slot: number, host: string, workloadId: string): Promise<{ id: string; level: string; probes?: number }>;
  release(slot: number, id: string): Promise<void>;
  noop(slot: number, host: string, workloadId: string): Promise<void>;
  health(slot: number): Promise<void>;
  close(): Promise<void>;
}

function grpcDriver(job: Job, channels: BenchChannel[]): Driver {
  const ch = (slot: number) => channels[slot % channels.length]!;
  return {
    allocate: (slot, host, workloadId) =>
      new Promise((resolve, reject) =>
        ch(slot).allocate({ host, workload_id: workloadId }, job.deadlineMs, (err, res) =>
          err ? reject(err) : resolve({ id: res!.lease!.lease_id, level: res!.lease!.level }),
        ),
      ),
    release: (slot, id) =>
      new Promise((resolve, reject) =>
        ch(slot).release({ lease_id: id }, job.deadlineMs, (err, res) =>
          err ? reject(err) : res!.released ? resolve() : reject(new Error('released = false')),
        ),
      ),
    noop: (slot, host, workloadId) =>
      new Promise((resolve, reject) =>
        ch(slot).noop({ host, workload_id: workloadId }, job.deadlineMs, (err) => (err ? reject(err) : resolve())),
      ),
    health: (slot) =>
      new Promise((resolve, reject) =>
        ch(slot).health(job.deadlineMs, (err, res) =>
          err ? reject(err) : res!.status === 'SERVING' ? resolve() : reject(new Error(`health ${res!.status}`)),
        ),
      ),
    close: async () => channels.forEach((c) => c.close()),
  };
}

async function storeDriver(job: Job): Promise<Driver> {
  const t = job.store!;
  const { store, redis } = await harnessStore(t.redisUrl, {
    pool: t.pool,
    categories: t.categories,
    ...(t.reserved !== undefined ? { reserved: t.reserved } : {}),
  });
  return {
    allocate: async (_slot, host, workloadId) => {
      const { lease } = await store.allocate({ host, workloadId });
      return { id: lease.id, level: lease.level };
    },
    release: async (_slot, id) => {
      const r = await store.release({ leaseId: id });
      if (!r.released) throw new Error('released = false');
    },
    noop: () => Promise.reject(new Error('no noop in store mode')),
    health: () => Promise.reject(new Error('no health check in store mode')),
    close: async () => void (await redis.quit()),
  };
}

class ProbeCapError extends Error {}

/**
 * go-selinux's uniqMcs loop (go-selinux/selinux_linux.go): draw two random
 * categories, retry on equal ones, order them, and retry while the pair is
 * taken. "Taken" here is a Redis SET shared by every allocator (SADD answers
 * 1 when the pair was free), so each probe is one round trip.
 */
async function naiveDriver(job: Job): Promise<Driver> {
  const t = job.naive!;
  const redis = new Redis(t.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await redis.connect();
  const span = t.high - t.low + 1;
  return {
    allocate: async () => {
      for (let probes = 1; probes <= t.maxProbes; probes++) {
        let c1 = randomInt(span);
        let c2 = randomInt(span);
        if (c1 === c2) continue;
        if (c1 > c2) [c1, c2] = [c2, c1];
        const level = `s0:c${t.low + c1},c${t.low + c2}`;
        if ((await redis.sadd(t.key, level)) === 1) return { id: level, level, probes };
      }
      throw new ProbeCapError(`no free pair after ${t.maxProbes} probes`);
    },
    release: async (_slot, id) => void (await redis.srem(t.key, id)),
    noop: () => Promise.reject(new Error('no noop in naive mode')),
    health: () => Promise.reject(new Error('no health check in naive mode')),
    close: async () => void (await redis.quit()),
  };
}

async function runSlots(concurrency: number, slot: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => slot(i)));
}

async function main(): Promise<void> {
  const job = await readJob();
  const hosts = hostNames(Math.max(1, job.hosts));
  const ids = new WorkloadIds();
  let hostSeq = 0;
  const nextHost = () => hosts[hostSeq++ % hosts.length]!;

  let driver: Driver;
  if (job.mode === 'store-allocate-release' || job.mode === 'store-cycle') {
    driver = await storeDriver(job);
  } else if (job.mode === 'naive-cycle') {
    driver = await naiveDriver(job);
  } else {
    const which = job.mode === 'noop' ? 'bench' : job.mode === 'health' ? 'health' : 'allocator';
    const channels = Array.from({ length: Math.max(1, job.channels) }, (_, i) => openChannel(job.targets[i % job.targets.length]!, which));
    await Promise.all(channels.map((c) => c.waitReady(10_000)));
    driver = grpcDriver(job, channels);
  }
  void emit({ event: 'ready' });

  const window = (phase: string, overrides: Partial<Job> = {}) => {
    const j = { ...job, ...overrides };
    return new Window(phase, j.warmupMs, j.warmupOps ?? 0, j.durationMs, j.maxOps ?? 0);
  };
  const phases: PhaseResult[] = [];
  const levels: string[] = [];

  if (job.mode === 'noop' || job.mode === 'health') {
    const w = window(job.mode);
    w.start();
    await runSlots(job.concurrency, async (slot) => {
      while (w.active) {
        const t0 = now();
        let err: unknown;
        try {
          await (job.mode === 'noop' ? driver.noop(slot, nextHost(), ids.next()) : driver.health(slot));
        } catch (e) {
          err = e;
        }
        w.complete(err, now() - t0);
      }
    });
    phases.push(w.result(false));
  } else if (job.mode === 'cycle' || job.mode === 'store-cycle' || job.mode === 'naive-cycle') {
    const w = window(job.mode === 'naive-cycle' ? 'naive' : 'cycle');
    w.start();
    await runSlots(job.concurrency, async (slot) => {
      while (w.active) {
        const t0 = now();
        let lease: { id: string; level: string; probes?: number };
        try {
          lease = await driver.allocate(slot, nextHost(), ids.next());
        } catch (err) {
          if (err instanceof ProbeCapError && w.measuring) w.probeCapped++;
          w.complete(err, now() - t0);
          continue;
        }
        const t1 = now();
        if (w.measuring) {
          if (job.recordLevels) levels.push(lease.level);
          if (lease.probes !== undefined) w.probes.push(lease.probes);
        }
        let err: unknown;
        try {
          await driver.release(slot, lease.id);
        } catch (e) {
          err = e;
        }
        const t2 = now();
        w.complete(err, t2 - t0, t1 - t0, t2 - t1);
      }
    });
    phases.push(w.result(true));
  } else {
    // Allocate only, keeping every lease; then Release only, of those leases.
    const leases: string[] = [];
    const wa = window('allocate');
    wa.start();
    await runSlots(job.concurrency, async (slot) => {
      while (wa.active) {
        const t0 = now();
        let err: unknown;
        try {
          const lease = await driver.allocate(slot, nextHost(), ids.next());
          leases.push(lease.id);
        } catch (e) {
          err = e;
        }
        wa.complete(err, now() - t0);
      }
    });
    phases.push(wa.result(false));

    // Warm up on the first 15% of the leases, then measure until the window
    // ends or the leases run out (the window then ends when the last one is
    // taken, so calls still in flight are not counted, as at a timed end).
    const wr = window('release', { warmupOps: Math.max(1, Math.floor(leases.length * 0.15)), warmupMs: 0 });
    wr.start();
    let next = 0;
    await runSlots(job.concurrency, async (slot) => {
      while (wr.active) {
        if (next >= leases.length) {
          wr.finish(true);
          break;
        }
        const id = leases[next++]!;
        const t0 = now();
        let err: unknown;
        try {
          await driver.release(slot, id);
        } catch (e) {
          err = e;
        }
        wr.complete(err, now() - t0);
      }
    });
    phases.push(wr.result(false));
    // Give back what the window left, unmeasured, so the pool ends as it began.
    await runSlots(job.concurrency, async (slot) => {
      while (next < leases.length) {
        const id = leases[next++]!;
        await driver.release(slot, id).catch(() => {});
      }
    });
  }

  await driver.close();
  const result: WorkerResult = { mode: job.mode, phases, ...(job.recordLevels ? { levels } : {}) };
  process.stdin.removeAllListeners('end');
  await emit({ event: 'result', result });
}

async function readJob(): Promise<Job> {
  process.stdin.setEncoding('utf8');
  let buf = '';
  return new Promise((resolve, reject) => {
    const onData = (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData);
      // From now on, the end of stdin means the harness is gone: stop.
      process.stdin.on('end', () => process.exit(3));
      process.stdin.resume();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as Job);
      } catch (err) {
        reject(err);
      }
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', () => reject(new Error('no job on stdin')));
  });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    await emit({ event: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  },
);
