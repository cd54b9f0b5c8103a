/**
 * `mcsctl drift`: what the runtime runs on this host (asked of the host
 * agent over its socket) against what the service holds for the host.
 */
import { Option, type Command } from 'commander';
import { canonicalLevel } from '../domain/level.js';
import { EXIT } from '../ctl/client.js';
import { action, examples, print, withClient } from '../ctl/commands/common.js';
import { table } from '../ctl/format.js';
import { askAgent } from '../ctl/hook.js';
import { heldLease, type AgentStatus } from './agent.js';
import { DEFAULT_AGENT_SOCKET, PROTOCOL_VERSION } from './hook-protocol.js';
import { drift, type DriftRow } from './plan.js';

function sameLevel(a: string, b: string): boolean {
  try {
    return canonicalLevel(a) === canonicalLevel(b);
  } catch {
    return a === b;
  }
}

export function driftText(host: string, rows: readonly DriftRow[]): string {
  const off = rows.filter((r) => r.kind !== 'ok');
  const head = `host ${host}: ${rows.length - off.length} in step, ${off.length} drifted`;
  if (rows.length === 0) return `${head}\n(nothing runs, nothing is held)`;
  const body = table(
    ['STATE', 'WORKLOAD', 'CONTAINER', 'RUNTIME LEVEL', 'SERVICE LEVEL', 'LEASE'],
    rows.map((r) => [
      r.kind,
      r.workloadId,
      r.name ?? (r.containerId ?? '').slice(0, 12),
      r.runtimeLevel ? `${r.runtimeLevel} (${r.levelSource})` : '-',
      r.serviceLevel ?? '-',
      r.leaseId ?? '-',
    ]),
  );
  return `${head}\n${body}`;
}

export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      'Compare what the container runtime runs on this host (from the host agent) with the leases the service holds for it: ' +
        'missing (runs, no lease), extra (lease, nothing runs), different-level, unlabelled (runs, no level known). ' +
        'Exit 1 when anything drifted.',
    )
    .addOption(new Option('--socket <path>', "the host agent's socket").env('MCS_AGENT_SOCKET').default(DEFAULT_AGENT_SOCKET))
    .addHelpText(
      'after',
      examples('mcsctl drift', 'mcsctl --json drift', 'mcsctl --server 10.0.0.5:50051 drift --socket /run/mcs-allocator/agent.sock'),
    )
    .action(
      action(async (g, cmd) => {
        const { socket } = cmd.opts<{ socket: string }>();
        let res;
        try {
          res = await askAgent(socket, { v: PROTOCOL_VERSION, op: 'status' }, 30_000);
        } catch (err) {
          throw new Error(`no host agent answers on ${socket}: ${(err as Error).message}`, { cause: err });
        }
        if (!res.ok || !res.status) throw new Error(`the agent refused: ${res.refusal ?? 'no status'}`);
        const status = res.status as AgentStatus;
        const leases = await withClient(g, async (client) => {
          const out = [];
          let token = '';
          do {
            const page = await client.ListLeases({ host: status.host, page_size: 1000, page_token: token });
            out.push(...page.leases);
            token = page.next_page_token;
          } while (token);
          return out;
        });
        const rows = drift(status.workloads, leases.map(heldLease), sameLevel);
        await print(g, { host: status.host, runtime: status.runtime, rows }, () => driftText(status.host, rows));
        return rows.every((r) => r.kind === 'ok') ? EXIT.ok : EXIT.refused;
      }),
    );
}
