/**
 * The job a load worker (bench/load-worker.ts) runs and the result it prints.
 * The harness writes one Job as a JSON line to the worker's stdin; the worker
 * prints event lines while it runs (so the harness can sample CPU and memory
 * of the other processes exactly over the measured window) and one result
 * line at the end. Every line on the worker's stdout is one JSON object.
 */

export type Mode =
  /** mcs.bench.v1.Bench/Noop: the transport ceiling. */
  | 'noop'
  /** grpc.health.v1.Health/Check: an empty call of the same server (the reference). */
  | 'health'
  /** Allocate, then Release of the same lease (unique workload ids). */
  | 'cycle'
  /** Phase "allocate": Allocate only; then phase "release": Release only, of the leases phase 1 created. */
  | 'allocate-release'
  /** The same two phases through LeaseStore (one FCALL each), no gRPC: the Redis ceiling. */
  | 'store-allocate-release'
  /** Allocate then release through LeaseStore, no gRPC. */
  | 'store-cycle'
  /** go-selinux's random-probing loop against a Redis SET (one SADD per probe), then SREM. */
  | 'naive-cycle';

export interface StoreTarget {
  readonly redisUrl: string;
  readonly pool: string;
  readonly categories: string;
  /** Same syntax as --reserved; undefined = the service default. */
  readonly reserved?: string;
}

export interface NaiveTarget {
  readonly redisUrl: string;
  /** The SET of taken levels ("s0:cA,cB"). */
  readonly key: string;
  readonly low: number;
  readonly high: number;
  /** Give up one allocation after this many probes (counted as an error "PROBE_CAP"). */
  readonly maxProbes: number;
}

export interface Job {
  readonly mode: Mode;
  /** gRPC addresses; channel i connects to targets[i % targets.length]. */
  readonly targets: readonly string[];
  /** Calls (or cycles) kept in flight. */
  readonly concurrency: number;
  /** Independent channels (each its own HTTP/2 connection); slots share them round-robin. */
  readonly channels: number;
  /** Warm-up before the measured window, by time... */
  readonly warmupMs: number;
  /** ...or by count of completed operations (used when > 0). */
  readonly warmupOps?: number;
  /** Measured window length. */
  readonly durationMs: number;
  /** End the window early after this many measured operations (0 = no limit). */
  readonly maxOps?: number;
  /** Distinct host names node-001.cluster.example.com ... */
  readonly hosts: number;
  /** Deadline of each gRPC call. */
  readonly deadlineMs: number;
  readonly store?: StoreTarget;
  readonly naive?: NaiveTarget;
  /** Record every allocated level (for uniformity), in the result. */
  readonly recordLevels?: boolean;
}

export interface Latency {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface PhaseResult {
  /** cycle, noop, allocate, release, naive */
  readonly phase: string;
  /** Operations completed inside the window (a cycle counts once). */
  readonly ops: number;
  readonly ok: number;
  /** Failed operations by gRPC status name (or error class). */
  readonly errors: Record<string, number>;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Microseconds; for cycle: the whole cycle. */
  readonly latencyUs: Latency;
  /** For cycle modes: each half. */
  readonly allocateUs?: Latency;
  readonly releaseUs?: Latency;
  /** The release phase ran out of leases before the window ended. */
  readonly exhausted?: boolean;
  /** CPU time of the worker process itself over the window. */
  readonly workerCpuMs: number;
  /** naive-cycle: probes (SADD round trips) per allocation. */
  readonly probes?: { mean: number; p50: number; p99: number; max: number; capped: number };
}

export interface WorkerResult {
  readonly mode: Mode;
  readonly phases: PhaseResult[];
  readonly levels?: string[];
}

export type WorkerLine =
  | { event: 'ready' }
  | { event: 'window-start'; phase: string }
  | { event: 'window-end'; phase: string; ops: number }
  | { event: 'result'; result: WorkerResult }
  | { event: 'error'; message: string };
