/**
 * oci precreate | poststop: the OCI hook stages.
 *
 * precreate reads the proposed runtime config on stdin and writes it back
 * on stdout with the lease's labels (Podman's precreate stage, and runtime
 * wrappers that filter config.json the same way). Any failure exits
 * non-zero so the container does not start with a label nobody checked.
 *
 * poststop reads the container state on stdin and releases the lease; it
 * retries while the service is unreachable, then gives up quietly (exit 0)
 * so that a container's teardown never fails because of us, unless --strict.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import type { Lease__Output } from '../../generated/mcs/v1/Lease.js';
import type { VolumePlan__Output } from '../../generated/mcs/v1/VolumePlan.js';
import { CallError, classify, EXIT, UsageError, type AllocatorClient } from '../client.js';
import { parseSeconds } from '../args.js';
import {
  applyLease,
  leaseSatisfies,
  oneLine,
  parseDocument,
  poststopIdentity,
  precreatePlan,
  refusalConfig,
  stringifyDocument,
  type Document,
  type PrecreatePlan,
} from '../oci.js';
import { DEFAULT_AGENT_SOCKET, firstTimeSinceBoot, selinuxMode } from '../../agent/hook-protocol.js';
import { action, connect, err, examples, failure, out, readStdin, timeoutMs, type GlobalOptions } from './common.js';

interface PrecreateOptions {
  socket?: string;
  host?: string;
  workload?: string;
  privilegedType: string;
  selinux?: string;
  refusal: string;
  retryFor: string;
}

interface PoststopOptions {
  host?: string;
  workload?: string;
  retryFor: string;
  strict?: boolean;
  selinux?: string;
}

/**
 * Input a caller read already (the hook's fast path reads stdin before it
 * knows whether the agent answers, and hands it on when it does not).
 */
let prereadInput: string | undefined;
export function setHookInput(text: string): void {
  prereadInput = text;
}

async function hookInput(what: string): Promise<string> {
  if (prereadInput !== undefined) return prereadInput;
  return readStdin(what);
}

export interface LeaseGrant {
  readonly lease: Lease__Output;
  /** The plan of the volumes, when volumes were asked for. */
  readonly volumePlan: VolumePlan__Output | undefined;
  /** True when this call granted the lease (false: an existing one was used). */
  readonly created: boolean;
}

/**
 * Leases what the plan asks for. A workload that already holds a lease
 * taken another way (mcsctl allocate before `podman run`, an earlier start)
 * uses it when it is the label the config carries.
 */
export async function leaseFor(client: AllocatorClient, plan: PrecreatePlan, timeoutMs?: number): Promise<LeaseGrant> {
  const { host, workloadId } = plan.identity;
  const wantsVolumes = plan.request.volumes.length > 0;
  try {
    const res = await client.Allocate(plan.request, { deadlineMs: timeoutMs });
    if (!res.lease) throw new Error('the server answered without a lease');
    return { lease: res.lease, volumePlan: wantsVolumes ? (res.volume_plan ?? { actions: [] }) : undefined, created: res.created };
  } catch (e) {
    if (!(e instanceof CallError) || e.reason !== 'WORKLOAD_HAS_LEASE') throw e;
    const existing = await client.GetLease({ host, workload_id: workloadId });
    if (!leaseSatisfies(plan, existing)) throw e;
    const volumePlan = wantsVolumes ? await client.PlanVolumes({ lease_id: existing.lease_id, volumes: plan.request.volumes }) : undefined;
    return { lease: existing, volumePlan, created: false };
  }
}

/**
 * Failures worth retrying at precreate: no server, a server that cannot
 * reach Redis right now, or one that is waiting for the hosts to report
 * after its pool was created anew (POOL_RECOVERING).
 */
export function retryableAtPrecreate(e: CallError): boolean {
  return e.unreachable || e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED;
}

/** The config with the lease's labels, as the runtime reads it back. */
export function labelledConfig(config: Document, grant: LeaseGrant): string {
  return stringifyDocument(applyLease(config, grant.lease, grant.volumePlan));
}

/** Once per boot (a marker next to the agent's socket, on /run). */
function noteSelinuxDisabledOnce(socket: string | undefined, because: string): Promise<void> | void {
  if (!firstTimeSinceBoot(socket ?? DEFAULT_AGENT_SOCKET, 'selinux-disabled.noted', because)) return;
  return err(`mcsctl oci: ${because}: configs pass through unchanged, no leases are taken`);
}

async function precreate(g: GlobalOptions, o: PrecreateOptions): Promise<number> {
  const text = await hookInput('an OCI runtime config.json');
  const mode = selinuxMode(o.selinux);
  if (!mode.enabled) {
    await out(text);
    await noteSelinuxDisabledOnce(o.socket, mode.because);
    return EXIT.ok;
  }
  if (o.refusal !== 'exit' && o.refusal !== 'exec') throw new UsageError(`--refusal: ${JSON.stringify(o.refusal)} is not exit or exec`);
  const config = parseDocument(text, 'the config.json on stdin');
  const retryForMs = parseSeconds('--retry-for', o.retryFor) * 1000;
  let plan: PrecreatePlan;
  try {
    plan = precreatePlan(config, o);
  } catch (e) {
    return refuse(config, o, failure(e));
  }
  const { host, workloadId } = plan.identity;
  const client = connect(g);
  const giveUpAt = Date.now() + retryForMs;
  let delay = 100;
  try {
    for (;;) {
      try {
        const grant = await leaseFor(client, plan, Math.max(200, Math.min(timeoutMs(g), giveUpAt - Date.now())));
        await out(labelledConfig(config, grant));
        await err(
          `mcsctl oci precreate: ${workloadId} on ${host}: lease ${grant.lease.lease_id}, ${grant.lease.kind} ${grant.lease.level}`,
        );
        return EXIT.ok;
      } catch (e) {
        const ce = classify(e, client.address);
        if (!retryableAtPrecreate(ce) || Date.now() + delay >= giveUpAt) return refuse(config, o, failure(ce));
        await sleep(delay);
        delay = Math.min(delay * 2, 1000);
      }
    }
  } finally {
    client.close();
  }
}

/** A refusal: one line on stderr, and either a non-zero exit or (--refusal exec) a config that names the reason where Podman shows it. */
async function refuse(config: Document, o: PrecreateOptions, f: { code: number; message: string }): Promise<number> {
  await err(`mcsctl: ${oneLine(f.message)}`);
  if (o.refusal !== 'exec') return f.code;
  await out(stringifyDocument(refusalConfig(config, f.message)));
  return EXIT.ok;
}

/** Failures worth retrying in poststop: no server, or a server that cannot reach Redis right now. */
function retryable(e: CallError): boolean {
  return e.unreachable || e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED;
}

async function poststop(g: GlobalOptions, o: PoststopOptions): Promise<number> {
  const text = await hookInput('the OCI container state JSON');
  // With SELinux disabled precreate took no lease: nothing to give back.
  if (!selinuxMode(o.selinux).enabled) return EXIT.ok;
  const state = parseDocument(text, 'the state JSON on stdin');
  const { host, workloadId, source } = poststopIdentity(state, o);
  const retryForMs = parseSeconds('--retry-for', o.retryFor) * 1000;
  const perCallMs = timeoutMs(g);
  const giveUpAt = Date.now() + retryForMs;
  const client: AllocatorClient = connect(g);
  let delay = 100;
  let attempts = 0;
  try {
    for (;;) {
      attempts += 1;
      try {
        const left = Math.max(200, Math.min(perCallMs, giveUpAt - Date.now()));
        const res = await client.Release({ host, workload_id: workloadId, lease_id: '', fencing_token: '0' }, { deadlineMs: left });
        await err(
          res.released
            ? `mcsctl oci poststop: released the lease of ${workloadId} (${source}) on ${host}; ${res.remaining_members} member(s) left`
            : `mcsctl oci poststop: ${workloadId} (${source}) on ${host} held no lease (already released)`,
        );
        return EXIT.ok;
      } catch (e) {
        const ce = classify(e, client.address);
        const what = `could not release the lease of ${workloadId} on ${host}`;
        if (!retryable(ce)) {
          await err(`mcsctl oci poststop: ${what}: ${ce.describe()}`);
          return o.strict ? ce.exitCode : EXIT.ok;
        }
        if (Date.now() + delay >= giveUpAt) {
          await err(
            `mcsctl oci poststop: ${what} within ${o.retryFor}s (${attempts} attempts): ${ce.describe()}; ` +
              `it stays leased until its TTL ends or someone runs: mcsctl release --host ${host} --workload ${workloadId}`,
          );
          return o.strict ? EXIT.unreachable : EXIT.ok;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  } finally {
    client.close();
  }
}

/** The options both hooks take: where the lease is, whether SELinux is on, how the service is reached. */
function hookOptions(cmd: Command, text: { host: string; from: 'config' | 'state'; selinuxOff: string }): Command {
  return cmd
    .option('--host <host>', `${text.host} (default: this machine's hostname)`)
    .option('--workload <id>', `workload id when the ${text.from} has no io.mcs-allocator.workload-id annotation`)
    .addOption(
      new Option(
        '--selinux <mode>',
        `auto (look for /sys/fs/selinux/enforce), enabled or disabled: with SELinux disabled the hook ${text.selinuxOff}`,
      )
        .choices(['auto', 'enabled', 'disabled'])
        .env('MCS_SELINUX')
        .default('auto'),
    )
    .addOption(
      new Option('--socket <path>', "the host agent's socket; the hook falls back to the service when no agent answers there").env(
        'MCS_AGENT_SOCKET',
      ),
    )
    .option('--no-agent', 'talk to the service directly, not through the host agent');
}

export function registerOciCommands(program: Command): void {
  const oci = program
    .command('oci')
    .description('OCI runtime hooks: lease a label when a container is created, release it when it stops.')
    .addHelpText(
      'after',
      examples(
        'mcsctl oci precreate < config.json > config.labelled.json',
        'mcsctl oci poststop < state.json',
        'See deploy/hooks.d/ for ready hook definitions (containers-common hooks.d, version 1.0.0).',
      ),
    );

  hookOptions(
    oci
      .command('precreate')
      .description(
        'Read an OCI runtime config.json on stdin, lease a label for the container and write the config with ' +
          'process.selinuxLabel and linux.mountLabel set to stdout. Exits non-zero when no label was granted.',
      ),
    { host: 'host name to lease on', from: 'config', selinuxOff: 'passes the config through and takes no lease' },
  )
    .option('--privileged-type <type>', 'process type that means "no separation" (the server\'s --privileged-type)', 'spc_t')
    .addOption(new Option('--retry-for <seconds>', 'keep retrying a service that is away or recovering its pool this long').default('5'))
    .addOption(
      new Option(
        '--refusal <how>',
        'how a refusal reaches the user: exit (non-zero exit status) or ' +
          'exec (a config whose process cannot start, its path naming the reason: Podman shows it)',
      )
        .choices(['exit', 'exec'])
        .env('MCS_REFUSAL')
        .default('exit'),
    )
    .addHelpText(
      'after',
      `
Workload id: the annotation io.mcs-allocator.workload-id, else --workload, else the
container id (annotation io.kubernetes.cri-o.ContainerID, or the 64-hex id in
linux.cgroupsPath as Podman writes it). poststop derives it the same way.

Annotations read: io.mcs-allocator.workload-id, .volume.NAME (one volume each:
/data:Z), .volumes (/data:Z,/cache:z:ro where the runtime keeps commas), .share-with,
.level (s0:c1+c2: '+' stands for ',', which podman --annotation splits on), .type,
.ttl, .storage-id, .disable (true/false).
Annotations written: io.mcs-allocator.lease-id, .volume-plan (the VolumePlan as JSON).

A label already in the config with categories (s0:c1,c2) is leased as that
static level, keeping its user, role, type and file type; a --privileged-type
(spc_t) label, or .disable=true, gets a DISABLED lease; no label gets a random
pair. With SELinux disabled (no /sys/fs/selinux/enforce, or --selinux disabled)
the config passes through unchanged and no lease is taken.

With the host agent running (mcs-allocator agent), the hook hands the work to it
over its socket (--socket, default /run/mcs-allocator/agent.sock) and starts in
the time of a bare node; without it, the hook calls the service itself.
See deploy/README.md for Podman and CRI-O.
` +
        examples(
          'mcsctl oci precreate < config.json > config.new.json',
          'mcsctl --server 10.0.0.5:50051 oci precreate --host node-1 < config.json',
        ),
    )
    .action(action(async (g, cmd) => precreate(g, cmd.opts<PrecreateOptions>())));

  hookOptions(
    oci
      .command('poststop')
      .description(
        "Read the OCI container state JSON on stdin and release the container's lease. Idempotent. Retries while the " +
          'service is unreachable, then logs and exits 0 (3 with --strict) so teardown never fails.',
      ),
    { host: 'host name', from: 'state', selinuxOff: 'releases nothing (no lease was taken)' },
  )
    .option('--retry-for <seconds>', 'keep retrying an unreachable service this long', '10')
    .option('--strict', 'exit 3 (not 0) when the lease could not be released')
    .addHelpText('after', examples('mcsctl oci poststop < state.json', 'mcsctl oci poststop --retry-for 30 --strict < state.json'))
    .action(action(async (g, cmd) => poststop(g, cmd.opts<PoststopOptions>())));
}
