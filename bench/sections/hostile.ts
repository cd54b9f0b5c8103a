/**
 * What the dearest requests the API allows cost, and what they do to other
 * hosts. Part 1: each dear request repeated from one client against the
 * real service: the service's and redis-server's CPU per call (/proc), and
 * the longest single Redis command of the run (SLOWLOG: how long one call
 * holds Redis for everyone). Part 2: a victim host's Allocate latency alone,
 * and while one and four hostile hosts send those requests without pause
 * (testkit/noisy-neighbour.ts, as the test suite runs it).
 */
import * as grpc from '@grpc/grpc-js';
import { loadAllocatorProto } from '../../src/proto.js';
import { runNoisyNeighbour, type NoisyNeighbourResult } from '../../testkit/noisy-neighbour.js';
import type { Ctx } from '../lib/context.js';
import { BenchRedis, ServiceProcess, cpuMs } from '../lib/procs.js';

export interface DearCall {
  readonly what: string;
  readonly calls: number;
  readonly serviceCpuUsPerCall: number;
  readonly redisCpuUsPerCall: number;
  /** Longest single Redis command during these calls (µs). */
  readonly longestRedisCommandUs: number;
  readonly longestCommand: string;
}

export interface HostileResult {
  readonly dear: DearCall[];
  readonly victim: { readonly attackers: number; readonly result: NoisyNeighbourResult }[];
}

const NO = { user: '', role: '', type: '', level: '', filetype: '', disable: false, profile: '' };
const vol = (host_path: string) => ({ host_path, mode: 'Z', read_only: false, storage_id: '', current_label: '' });

type Client = Record<string, (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void>;

export async function hostileSection(ctx: Ctx): Promise<HostileResult> {
  const redis = await BenchRedis.start({ aof: ctx.opts.aof });
  const raw = redis.client();
  await raw.config('SET', 'slowlog-log-slower-than', '0');
  await raw.config('SET', 'slowlog-max-len', '100000');
  const svc = await ServiceProcess.start({ redisUrl: redis.url });
  const { grpcObject } = loadAllocatorProto();
  const client = new grpcObject.mcs.v1.LabelAllocator(svc.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
  }) as unknown as Client;
  // The answer, or the error the request meant to provoke; an Allocate answers { lease }.
  const call = (method: string, req: unknown) =>
    new Promise<{ lease: { lease_id: string } }>((resolve) =>
      client[method]!(req, { deadline: Date.now() + 60_000 }, (err, res) => resolve((err ?? res) as { lease: { lease_id: string } })),
    );
  // Each request is repeated for at least this long: /proc counts CPU in 10 ms ticks.
  const windowMs = ctx.opts.quick ? 1000 : 3000;
  const pairs = Array.from({ length: 2000 }, (_, j) => ({
    workload_id: `r${j}`,
    level: `s0:c${10 + (j % 40)},c${600 + Math.floor(j / 40)}`,
  }));
  try {
    // The writes first, on a nearly empty pool (a static level must not
    // meet a random pair it would dominate); then a host with 2,000 leases
    // and a pool of 5,000 for the reads.
    const writes: [string, () => Promise<void>][] = [
      [
        'Allocate + Release, random pair (for comparison)',
        async () => {
          const r = await call('Allocate', { host: 'x', workload_id: 'plain' });
          await call('Release', { lease_id: r.lease.lease_id });
        },
      ],
      [
        'Allocate + Release, widest allowed static level (s0:c7: 1,023 pairs)',
        async () => {
          const r = await call('Allocate', { host: 'x', workload_id: 'wide', options: { ...NO, level: 's0:c7' } });
          await call('Release', { lease_id: r.lease.lease_id });
        },
      ],
      [
        'Allocate + Release, s0:c100.c144 (990 pairs)',
        async () => {
          const r = await call('Allocate', { host: 'x', workload_id: 'range', options: { ...NO, level: 's0:c100.c144' } });
          await call('Release', { lease_id: r.lease.lease_id });
        },
      ],
      [
        'Allocate of s0:c0.c1023 (refused: over --max-static-pairs)',
        async () => {
          await call('Allocate', { host: 'x', workload_id: 'huge', options: { ...NO, level: 's0:c0.c1023' } });
        },
      ],
      [
        'Allocate + Release, 16 volumes of 64 segments',
        async () => {
          const r = await call('Allocate', {
            host: 'x',
            workload_id: 'deep',
            volumes: Array.from({ length: 16 }, (_, j) => vol(`/deep/${j}${'/x'.repeat(62)}`)),
          });
          await call('Release', { lease_id: r.lease.lease_id });
        },
      ],
      [
        'Allocate + Release, 128 volumes',
        async () => {
          const r = await call('Allocate', {
            host: 'x',
            workload_id: 'many',
            volumes: Array.from({ length: 128 }, (_, j) => vol(`/many/a/b/c/d/${j}`)),
          });
          await call('Release', { lease_id: r.lease.lease_id });
        },
      ],
    ];
    const reads: [string, () => Promise<void>][] = [
      [
        'Reconcile of 2,000 workloads, all kept',
        async () => {
          await call('Reconcile', { host: 'big-host', workloads: pairs });
        },
      ],
      [
        'ListLeases page of 1,000 (all hosts)',
        async () => {
          await call('ListLeases', { page_size: 1000 });
        },
      ],
      [
        'ListLeases page of 100 of a host with 2,000 leases',
        async () => {
          await call('ListLeases', { host: 'big-host', page_size: 100 });
        },
      ],
    ];
    const dear: DearCall[] = [];
    const measure = async (what: string, once: () => Promise<void>) => {
      await once();
      await raw.slowlog('RESET');
      const s0 = cpuMs(svc.pid);
      const r0 = cpuMs(redis.pid);
      const until = Date.now() + windowMs;
      let reps = 0;
      while (reps < 3 || Date.now() < until) {
        await once();
        reps += 1;
      }
      const serviceCpuUsPerCall = ((cpuMs(svc.pid) - s0) * 1000) / reps;
      const redisCpuUsPerCall = ((cpuMs(redis.pid) - r0) * 1000) / reps;
      const log = (await raw.slowlog('GET', 100000)) as [number, number, number, string[]][];
      let longest = 0;
      let longestCommand = '';
      for (const [, , micros, args] of log) {
        if (args[0]?.toLowerCase() === 'slowlog') continue;
        if (micros > longest) {
          longest = micros;
          longestCommand = `${args[0]} ${String(args[1] ?? '').replace(/^mcs_[0-9a-f]+_/, '')}`;
        }
      }
      dear.push({ what, calls: reps, serviceCpuUsPerCall, redisCpuUsPerCall, longestRedisCommandUs: longest, longestCommand });
      ctx.log(
        `hostile: ${what}: service ${serviceCpuUsPerCall.toFixed(0)} µs, redis ${redisCpuUsPerCall.toFixed(0)} µs CPU per call, ` +
          `longest command ${longest} µs`,
      );
    };
    for (const [what, once] of writes) await measure(what, once);
    await call('Reconcile', { host: 'big-host', workloads: pairs });
    for (let i = 0; i < 3000; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => call('Allocate', { host: `h${(i + j) % 50}`, workload_id: `fill-${i + j}` })),
      );
    for (const [what, once] of reads) await measure(what, once);
    await raw.config('SET', 'slowlog-log-slower-than', '10000');

    const victim: HostileResult['victim'] = [];
    for (const attackers of [0, 1, 4]) {
      const result = await runNoisyNeighbour(svc.address, { attackers, durationMs: ctx.opts.quick ? 3000 : 8000 });
      victim.push({ attackers, result });
      ctx.log(
        `hostile: victim with ${attackers} attacker(s): ` +
          `p50 ${result.victim.p50Ms.toFixed(1)} ms, p99 ${result.victim.p99Ms.toFixed(1)} ms, ${result.victim.calls} calls`,
      );
    }
    return { dear, victim };
  } finally {
    (client as unknown as grpc.Client).close();
    await svc.stop();
    await redis.stop();
  }
}
