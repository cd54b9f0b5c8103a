/**
 * The host agent as a real process (`node dist/src/cli.js agent`), its
 * JSON log kept for assertions, and hook definitions that run the built
 * mcsctl the way a runtime does.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, waitUntil, type CliProcess } from '../../testkit/process.js';

/** The hooks' executable (package.json bin mcsctl-hook), as deploy/hooks.d runs it. */
export const MCSCTL_HOOK = join(REPO_ROOT, 'dist', 'src', 'ctl', 'hook-entry.cjs');

export interface AgentProcessOptions {
  readonly server: string;
  readonly host: string;
  readonly runtime: 'podman' | 'cri';
  readonly runtimeSocket: string;
  readonly dir: string;
  readonly extraArgs?: readonly string[];
}

export class AgentProcess {
  readonly socket: string;
  readonly stateDir: string;
  proc: CliProcess | undefined;
  private starts = 0;
  private previousLogs = '';

  constructor(readonly options: AgentProcessOptions) {
    this.socket = join(options.dir, 'agent', 'agent.sock');
    this.stateDir = join(options.dir, 'agent', 'state');
    mkdirSync(join(options.dir, 'agent'), { recursive: true });
  }

  async start(): Promise<void> {
    this.starts += 1;
    const o = this.options;
    const args = [
      'agent',
      '--server',
      o.server,
      '--host',
      o.host,
      '--runtime',
      o.runtime,
      '--runtime-socket',
      o.runtimeSocket,
      '--state-dir',
      this.stateDir,
      '--socket',
      this.socket,
      '--selinux',
      'enabled',
      '--log-level',
      'debug',
      ...(o.extraArgs ?? []),
    ];
    const proc = runCli(args);
    this.proc = proc;
    await waitUntil(
      'the agent to start',
      () => {
        if (proc.child.exitCode !== null) throw new Error(`the agent exited with ${proc.child.exitCode}: ${proc.stdout}${proc.stderr}`);
        return /"msg":"agent started"/.test(proc.stdout) || undefined;
      },
      20_000,
    );
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop); waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    proc.kill(signal);
    await proc.waitExit(15_000).catch(() => proc.kill('SIGKILL'));
    this.previousLogs += proc.stdout + proc.stderr;
    this.proc = undefined;
  }

  /** The JSON log lines of every run so far. */
  logs(): Record<string, unknown>[] {
    const text = this.previousLogs + (this.proc ? this.proc.stdout : '');
    return text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  logText(): string {
    return (this.previousLogs + (this.proc ? this.proc.stdout + this.proc.stderr : '')).slice(-6000);
  }

  get runs(): number {
    return this.starts;
  }
}

/**
 * The two hook definitions, as deploy/hooks.d has them, but running the
 * built mcsctl with this test's agent socket and service, and SELinux
 * forced on (this kernel has it disabled).
 */
export function hookDefinitions(opts: {
  server: string;
  socket: string;
  host: string;
  selinux?: 'enabled' | 'auto';
}): Record<string, unknown> {
  const env = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `MCS_SERVER=${opts.server}`,
    `MCS_AGENT_SOCKET=${opts.socket}`,
    `MCS_SELINUX=${opts.selinux ?? 'enabled'}`,
    'MCS_TIMEOUT=5',
  ];
  return {
    'mcs-allocator-precreate.json': {
      version: '1.0.0',
      hook: { path: MCSCTL_HOOK, args: ['mcsctl-hook', 'oci', 'precreate', '--refusal', 'exec', '--host', opts.host], env, timeout: 30 },
      when: { always: true },
      stages: ['precreate'],
    },
    'mcs-allocator-poststop.json': {
      version: '1.0.0',
      hook: { path: MCSCTL_HOOK, args: ['mcsctl-hook', 'oci', 'poststop', '--retry-for', '2', '--host', opts.host], env, timeout: 30 },
      when: { always: true },
      stages: ['poststop'],
    },
  };
}
