/**
 * What the OCI hooks cost a container start: `podman run --rm IMAGE true`
 * with no hooks, with both hooks through the host agent, and with both
 * hooks talking to the service directly (no agent), runs interleaved, the
 * median of `reps` each. An isolated real Podman (the test harness's), a
 * real service and Redis, the agent as its own process. The runc wrapper
 * strips the labels the hooks write in every case (this kernel has SELinux
 * disabled), so the three differ only by the hooks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PodmanHarness, TEST_IMAGE } from '../../testkit/runtimes/podman.js';
import type { Ctx } from '../lib/context.js';
import { num, table } from '../lib/summary.js';
import { BenchRedis, CLI, cpuMs, memoryKb, REPO_ROOT, ServiceProcess } from '../lib/procs.js';

/** The hooks' executable, as deploy/hooks.d runs it (mcsctl-hook). */
const MCSCTL_HOOK = join(REPO_ROOT, 'dist', 'src', 'ctl', 'hook-entry.cjs');

export interface HooksCase {
  readonly name: 'no hooks' | 'hooks via the agent' | 'hooks without the agent';
  readonly runsMs: number[];
  readonly medianMs: number;
}

export interface HooksResult {
  readonly reps: number;
  readonly cases: HooksCase[];
  /** Median with hooks via the agent minus median without hooks. */
  readonly agentOverheadMs: number;
  readonly directOverheadMs: number;
  /** The agent process over the measured runs. */
  readonly agentCpuMsPerStart: number;
  readonly agentRssKb: number;
  readonly podman: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function hookFiles(server: string, socket: string, direct: boolean): Record<string, unknown> {
  const env = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `MCS_SERVER=${server}`,
    `MCS_AGENT_SOCKET=${socket}`,
    'MCS_SELINUX=enabled',
  ];
  const via = direct ? ['--no-agent'] : [];
  return {
    'mcs-allocator-precreate.json': {
      version: '1.0.0',
      hook: { path: MCSCTL_HOOK, args: ['mcsctl-hook', 'oci', 'precreate', '--refusal', 'exec', ...via], env, timeout: 30 },
      when: { always: true },
      stages: ['precreate'],
    },
    'mcs-allocator-poststop.json': {
      version: '1.0.0',
      hook: { path: MCSCTL_HOOK, args: ['mcsctl-hook', 'oci', 'poststop', ...via], env, timeout: 30 },
      when: { always: true },
      stages: ['poststop'],
    },
  };
}

async function startAgent(podman: PodmanHarness, server: string, socket: string): Promise<ChildProcess> {
  const args = [
    CLI,
    'agent',
    '--server',
    server,
    '--runtime',
    'podman',
    '--runtime-socket',
    podman.socketPath,
    '--state-dir',
    join(podman.dir, 'agent-state'),
    '--socket',
    socket,
    '--selinux',
    'enabled',
    '--log-level',
    'warn',
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const { askAgent } = await import('../../src/ctl/hook.js');
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}): ${stderr}`);
    try {
      await askAgent(socket, { v: 1, op: 'ping' }, 1000);
      return child;
    } catch {
      if (Date.now() > until) throw new Error(`the agent did not answer on ${socket}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function hooksSection(ctx: Ctx): Promise<HooksResult> {
  const reps = ctx.opts.quick ? 3 : 5;
  const podman = await PodmanHarness.start({ stripSelinuxLabels: true });
  const redis = await BenchRedis.start({ aof: ctx.opts.aof });
  let svc: ServiceProcess | undefined;
  let agent: ChildProcess | undefined;
  try {
    svc = await ServiceProcess.start({ redisUrl: redis.url });
    const socket = join(podman.dir, 'agent.sock');
    agent = await startAgent(podman, svc.address, socket);
    const version = await podman.podman('--version');
    const runOnce = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await podman.podman('run', '--rm', '--network', 'none', TEST_IMAGE, 'true');
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const setups: [HooksCase['name'], () => void][] = [
      ['no hooks', () => podman.removeHooks('mcs-allocator-precreate.json', 'mcs-allocator-poststop.json')],
      ['hooks via the agent', () => podman.installHooks(hookFiles(svc!.address, socket, false))],
      ['hooks without the agent', () => podman.installHooks(hookFiles(svc!.address, socket, true))],
    ];
    const runs = new Map<HooksCase['name'], number[]>(setups.map(([n]) => [n, []]));
    // One warm-up of each, then the runs interleaved so that drift in the machine's load hits all three alike.
    for (const [, setup] of setups) {
      setup();
      await runOnce();
    }
    let agentCpu = 0;
    for (let i = 0; i < reps; i++) {
      for (const [name, setup] of setups) {
        setup();
        const before = name === 'hooks via the agent' ? cpuMs(agent.pid!) : 0;
        runs.get(name)!.push(await runOnce());
        if (name === 'hooks via the agent') agentCpu += cpuMs(agent.pid!) - before;
      }
      ctx.log(`hooks: run ${i + 1}/${reps}: ${setups.map(([n]) => `${n} ${runs.get(n)!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
    }
    const cases = setups.map(([name]) => ({ name, runsMs: runs.get(name)!, medianMs: median(runs.get(name)!) }));
    const m = (n: HooksCase['name']) => cases.find((c) => c.name === n)!.medianMs;
    return {
      reps,
      cases,
      agentOverheadMs: m('hooks via the agent') - m('no hooks'),
      directOverheadMs: m('hooks without the agent') - m('no hooks'),
      agentCpuMsPerStart: agentCpu / reps,
      agentRssKb: memoryKb(agent.pid!).rss,
      podman: version,
    };
  } finally {
    agent?.kill('SIGKILL');
    await svc?.stop();
    await redis.stop();
    await podman.cleanup();
  }
}

/** The section's table and its target, for the report. */
export function hooksReport(r: HooksResult): {
  title: string;
  body: string;
  target: { id: string; what: string; target: string; measured: string; pass: boolean };
} {
  const none = r.cases.find((c) => c.name === 'no hooks')!.medianMs;
  return {
    title: `Hook overhead: podman run --rm IMAGE true, median of ${r.reps} (${r.podman}, runs interleaved)`,
    body: [
      table(
        ['case', 'median ms', 'over no hooks ms', 'runs ms'],
        r.cases.map((c) => [
          c.name,
          num(c.medianMs, 0),
          c.name === 'no hooks' ? '-' : num(c.medianMs - none, 0),
          c.runsMs.map((x) => num(x, 0)).join(', '),
        ]),
      ),
      `agent: ${num(r.agentCpuMsPerStart, 1)} ms CPU per container start and stop, ${num(r.agentRssKb / 1024, 1)} MiB RSS`,
    ].join('\n'),
    target: {
      id: 'hooks-overhead',
      what: 'Both hooks through the agent, added to podman run --rm IMAGE true (median)',
      target: '<= 150 ms',
      measured: `${num(r.agentOverheadMs, 0)} ms (without the agent: ${num(r.directOverheadMs, 0)} ms)`,
      pass: r.agentOverheadMs <= 150,
    },
  };
}
