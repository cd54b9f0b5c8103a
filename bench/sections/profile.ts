/**
 * With --cpu-prof: the service under each kind of load at concurrency 16, in
 * a fresh process started with `node --cpu-prof`, and where its CPU time
 * goes (by package and by function). Profiling slows the service down: these
 * runs explain the throughput figures, they are not part of them.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { summariseProfile, type ProfileSummary } from '../lib/cpuprofile.js';
import { baseJob, type Ctx } from '../lib/context.js';
import { cpuUsPerOp, runMeasured } from '../lib/measure.js';
import { BenchRedis, ServiceProcess } from '../lib/procs.js';

export interface ProfileRun {
  readonly mode: string;
  readonly phases: { phase: string; opsPerSec: number; serviceCpuUsPerCall: number }[];
  readonly profile: ProfileSummary;
}

export async function profileSection(ctx: Ctx): Promise<{ dir: string; runs: ProfileRun[] }> {
  const { opts } = ctx;
  const dir = join(opts.resultsDir, `prof-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const runs: ProfileRun[] = [];
  const redis = await BenchRedis.start({ aof: opts.aof, socket: opts.redisSocket });
  try {
    for (const mode of ['noop', 'allocate-release', 'cycle'] as const) {
      const profDir = join(dir, mode);
      mkdirSync(profDir, { recursive: true });
      ctx.log(`profile: ${mode} at concurrency 16 under node --cpu-prof`);
      const svc = await ServiceProcess.start({ redisUrl: redis.url, cpuProfDir: profDir });
      let phases: ProfileRun['phases'];
      try {
        const job = baseJob(ctx, { mode, concurrency: 16, targets: [svc.address], durationMs: Math.max(opts.durationMs, 3000) });
        const r = await runMeasured(job, { pids: { service: svc.pid } });
        phases = r.phases.map((p) => ({
          phase: p.phase,
          opsPerSec: p.opsPerSec,
          serviceCpuUsPerCall: Math.round(cpuUsPerOp(p, 'service') * 10) / 10,
        }));
      } finally {
        await svc.stop();
      }
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no .cpuprofile in ${profDir}`);
      runs.push({ mode, phases, profile: summariseProfile(join(profDir, file)) });
    }
  } finally {
    await redis.stop();
  }
  return { dir, runs };
}
