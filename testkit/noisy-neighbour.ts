import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir as findProtoDir } from '../src/proto.js';

/**
 * A victim host allocating and releasing while hostile hosts send the most
 * expensive requests the API allows, each hostile host in a thread of its
 * own with its own connection: the widest static level --max-static-pairs
 * allows (one category: 1,023 pairs of the default pool), a level over the
 * bound, a Reconcile of 2,000 workloads, 16 volumes of 64 segments (the
 * depth bounds), 128 volumes (the claims bound) and ListLeases pages of
 * 1,000. Used by the hostile-tenant test and by `npm run bench`.
 */

const protoDir = findProtoDir();
const require = createRequire(import.meta.url);

export interface AttackCounts {
  readonly calls: number;
  readonly refused: number;
}

export interface NoisyNeighbourResult {
  readonly victim: {
    readonly calls: number;
    readonly errors: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
  /** Calls each kind of attack made, all attackers together. */
  readonly attacks: Record<string, AttackCounts>;
}

// The attacker, as CommonJS source for a worker thread (the same file runs
// under vitest, from TypeScript, and from dist/ for the benchmark).
const ATTACKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const grpc = require(w.grpc);
const loader = require(w.loader);
const def = loader.loadSync('mcs/v1/allocator.proto', {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [w.protoDir],
});
const api = grpc.loadPackageDefinition(def).mcs.v1;
const client = new api.LabelAllocator(w.address, grpc.credentials.createInsecure(), {
  'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': -1,
});
const stats = {};
let stop = false;
parentPort.on('message', () => { stop = true; });
const call = (name, method, req) => new Promise((resolve) => {
  client[method](req, { deadline: Date.now() + 60000 }, (err, res) => {
    const s = (stats[name] = stats[name] || { calls: 0, refused: 0 });
    s.calls += 1;
    if (err) s.refused += 1;
    resolve(err ? null : res);
  });
});
const host = 'attacker-' + w.index;
const NO = { user: '', role: '', type: '', level: '', filetype: '', disable: false, profile: '' };
const vol = (p) => ({ host_path: p, mode: 'Z', read_only: false, storage_id: '', current_label: '' });
const pairs = Array.from({ length: 2000 }, (_, j) => ({
  workload_id: 'r' + j,
  level: 's0:c' + (10 + w.index * 40 + (j % 40)) + ',c' + (600 + Math.floor(j / 40)),
}));
const attacks = [
  async () => {
    const r = await call('widest static level (1,023 pairs)', 'Allocate', {
      host, workload_id: 'wide', options: { ...NO, level: 's0:c' + (900 + w.index) },
    });
    if (r) await call('release', 'Release', { lease_id: r.lease.lease_id });
  },
  () => call('level over --max-static-pairs', 'Allocate', { host, workload_id: 'huge', options: { ...NO, level: 's0:c0.c1023' } }),
  () => call('Reconcile of 2,000 workloads', 'Reconcile', { host, workloads: pairs }),
  async () => {
    const r = await call('16 volumes of 64 segments', 'Allocate', {
      host, workload_id: 'deep', volumes: Array.from({ length: 16 }, (_, j) => vol('/deep/' + j + '/x'.repeat(62))),
    });
    if (r) await call('release', 'Release', { lease_id: r.lease.lease_id });
  },
  async () => {
    const r = await call('128 volumes', 'Allocate', {
      host, workload_id: 'many', volumes: Array.from({ length: 128 }, (_, j) => vol('/many/a/b/c/d/' + j)),
    });
    if (r) await call('release', 'Release', { lease_id: r.lease.lease_id });
  },
  () => call('ListLeases page of 1,000', 'ListLeases', { page_size: 1000 }),
];
(async () => {
  while (!stop) for (const attack of attacks) { if (stop) break; await attack(); }
  client.close();
  parentPort.postMessage(stats);
})();
`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `attackers` hostile hosts for `durationMs` against the service at
 * `address` (plaintext gRPC) while this thread allocates and releases as
 * the victim host, and returns the victim's Allocate latencies and what the
 * attackers did. `attackers` 0 measures the victim alone.
 */
export async function runNoisyNeighbour(address: string, { attackers = 4, durationMs = 8000 } = {}): Promise<NoisyNeighbourResult> {
  const workers = Array.from(
    { length: attackers },
    (_, index) =>
      new Worker(ATTACKER, {
        eval: true,
        workerData: { index, address, protoDir, grpc: require.resolve('@grpc/grpc-js'), loader: require.resolve('@grpc/proto-loader') },
      }),
  );
  const reports = workers.map(
    (w) =>
      new Promise<Record<string, AttackCounts>>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const def = protoLoader.loadSync('mcs/v1/allocator.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [protoDir],
  });
  const api = (grpc.loadPackageDefinition(def) as unknown as { mcs: { v1: { LabelAllocator: grpc.ServiceClientConstructor } } }).mcs.v1;
  const client = new api.LabelAllocator(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as Record<
    string,
    (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { lease: { lease_id: string } }) => void) => void
  >;
  const unary = (method: string, req: unknown) =>
    new Promise<{ lease: { lease_id: string } }>((resolve, reject) =>
      client[method]!(req, { deadline: Date.now() + 30_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  // Let the attackers get going before measuring.
  if (attackers > 0) await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + durationMs;
  for (let i = 0; Date.now() < until; i++) {
    const t0 = performance.now();
    try {
      const { lease } = await unary('Allocate', { host: 'victim', workload_id: `v${i}` });
      latencies.push(performance.now() - t0);
      await unary('Release', { lease_id: lease.lease_id });
    } catch {
      errors += 1;
    }
  }
  for (const w of workers) w.postMessage('stop');
  const per = await Promise.all(reports);
  await Promise.all(workers.map((w) => w.terminate()));
  (client as unknown as grpc.Client).close();
  const attacks: Record<string, AttackCounts> = {};
  for (const r of per) {
    for (const [name, c] of Object.entries(r)) {
      const sum = attacks[name] ?? { calls: 0, refused: 0 };
      attacks[name] = { calls: sum.calls + c.calls, refused: sum.refused + c.refused };
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    victim: {
      calls: latencies.length,
      errors,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
    },
    attacks,
  };
}
