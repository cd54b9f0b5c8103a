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
import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import type { Lease__Output } from '../../generated/mcs/v1/Lease.js';
import type { VolumePlan__Output } from '../../generated/mcs/v1/VolumePlan.js';
import { AllocatorClient, CallError, classify, EXIT } from '../client.js';
import { parseSeconds } from '../args.js';
import { applyLease, leaseSatisfies, parseDocument, poststopIdentity, precreatePlan, stringifyDocument } from '../oci.js';
import { action, connect, err, examples, out, readStdin, timeoutMs, type GlobalOptions } from './common.js';

interface PrecreateOptions {
  host?: string;
  workload?: string;
  privilegedType: string;
}

interface PoststopOptions {
  host?: string;
  workload?: string;
  retryFor: string;
  strict?: boolean;
}

async function precreate(g: GlobalOptions, o: PrecreateOptions): Promise<number> {
  const config = parseDocument(await readStdin('an OCI runtime config.json'), 'the config.json on stdin');
  const plan = precreatePlan(config, o);
  const { host, workloadId } = plan.identity;
  const client = connect(g);
  let lease: Lease__Output | null;
  let volumePlan: VolumePlan__Output | null;
  try {
    try {
      const res = await client.allocate(plan.request);
      lease = res.lease;
      volumePlan = res.volume_plan;
    } catch (e) {
      // The workload already holds a lease taken another way (mcsctl
      // allocate before `podman run`, or an earlier start): use it when it
      // is the label the config carries.
      if (!(e instanceof CallError) || e.reason !== 'WORKLOAD_HAS_LEASE') throw e;
      const existing = await client.getLease({ host, workload_id: workloadId });
      if (!leaseSatisfies(plan, existing)) throw e;
      lease = existing;
      volumePlan = plan.request.volumes.length > 0 ? await client.planVolumes({ lease_id: existing.lease_id, volumes: plan.request.volumes }) : null;
    }
  } finally {
    client.close();
  }
  if (!lease) throw new Error('the server answered without a lease');
  await out(stringifyDocument(applyLease(config, lease, plan.request.volumes.length > 0 ? (volumePlan ?? { actions: [] }) : undefined)));
  await err(`mcsctl oci precreate: ${workloadId} on ${host}: lease ${lease.lease_id}, ${lease.kind} ${lease.level}, process ${lease.process_label}`);
  return EXIT.ok;
}

/** Failures worth retrying in poststop: no server, or a server that cannot reach Redis right now. */
function retryable(e: CallError): boolean {
  return e.unreachable || e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED;
}

async function poststop(g: GlobalOptions, o: PoststopOptions): Promise<number> {
  const state = parseDocument(await readStdin('the OCI container state JSON'), 'the state JSON on stdin');
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
        const res = await client.release({ host, workload_id: workloadId, lease_id: '', fencing_token: '0' }, left);
        await err(
          res.released
            ? `mcsctl oci poststop: released the lease of ${workloadId} (${source}) on ${host}; ${res.remaining_members} member(s) left`
            : `mcsctl oci poststop: ${workloadId} (${source}) on ${host} held no lease (already released)`,
        );
        return EXIT.ok;
      } catch (e) {
        const ce = classify(e, client.server);
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

  oci
    .command('precreate')
    .description(
      'Read an OCI runtime config.json on stdin, lease a label for the container and write the config with ' +
        'process.selinuxLabel and linux.mountLabel set to stdout. Exits non-zero when no label was granted.',
    )
    .option('--host <host>', 'host name to lease on (default: this machine\'s hostname)')
    .option('--workload <id>', 'workload id when the config has no io.mcs-allocator.workload-id annotation')
    .option('--privileged-type <type>', 'process type that means "no separation" (the server\'s --privileged-type)', 'spc_t')
    .addHelpText(
      'after',
      `
Workload id: the annotation io.mcs-allocator.workload-id, else --workload, else the
container id (annotation io.kubernetes.cri-o.ContainerID, or the 64-hex id in
linux.cgroupsPath as Podman writes it). poststop derives it the same way.

Annotations read: io.mcs-allocator.workload-id, .volumes (/data:Z,/cache:z:ro),
.share-with, .level, .type, .ttl, .storage-id, .disable (true/false).
Annotations written: io.mcs-allocator.lease-id, .volume-plan (the VolumePlan as JSON).

A label already in the config with categories (s0:c1,c2) is leased as that
static level, keeping its user, role, type and file type; a --privileged-type
(spc_t) label, or .disable=true, gets a DISABLED lease; no label gets a random
pair. See deploy/README.md for Podman and CRI-O.
` +
        examples(
          'mcsctl oci precreate < config.json > config.new.json',
          'mcsctl --server 10.0.0.5:50051 oci precreate --host node-1 < config.json',
        ),
    )
    .action(action(async (g, cmd) => precreate(g, cmd.opts<PrecreateOptions>())));

  oci
    .command('poststop')
    .description(
      'Read the OCI container state JSON on stdin and release the container\'s lease. Idempotent. Retries while the ' +
        'service is unreachable, then logs and exits 0 (3 with --strict) so teardown never fails.',
    )
    .option('--host <host>', 'host name (default: this machine\'s hostname)')
    .option('--workload <id>', 'workload id when the state has no io.mcs-allocator.workload-id annotation')
    .option('--retry-for <seconds>', 'keep retrying an unreachable service this long', '10')
    .option('--strict', 'exit 3 (not 0) when the lease could not be released')
    .addHelpText(
      'after',
      examples('mcsctl oci poststop < state.json', 'mcsctl oci poststop --retry-for 30 --strict < state.json'),
    )
    .action(action(async (g, cmd) => poststop(g, cmd.opts<PoststopOptions>())));
}
