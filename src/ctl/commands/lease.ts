/** allocate, release, renew, heartbeat: one lease's (or one host's) life. */
import { Option, type Command } from 'commander';
import type { AllocateRequest } from '../../generated/mcs/v1/AllocateRequest.js';
import type { ReleaseRequest } from '../../generated/mcs/v1/ReleaseRequest.js';
import { UsageError } from '../client.js';
import { parseInteger, parseUint64, parseVolume } from '../args.js';
import { allocateText, envLines, heartbeatText, isoTime, json, podmanText, releaseText } from '../format.js';
import { action, examples, out, print, withClient } from './common.js';

const MAX_TTL = 10 * 365 * 24 * 3600;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface AllocateOptions {
  host: string;
  workload: string;
  level?: string;
  type?: string;
  filetype?: string;
  user?: string;
  role?: string;
  profile?: string;
  disable?: boolean;
  shareWith?: string;
  volume: string[];
  storageId?: string;
  ttl?: string;
  requestId?: string;
  stableKey?: string;
  stableRetention?: string;
  format?: 'text' | 'json' | 'podman' | 'env';
}

export function allocateRequest(o: AllocateOptions): AllocateRequest {
  return {
    host: o.host,
    workload_id: o.workload,
    request_id: o.requestId ?? '',
    ttl_seconds: o.ttl === undefined ? 0 : parseInteger('--ttl', o.ttl, 0, MAX_TTL),
    share_with: o.shareWith ?? '',
    options: {
      level: o.level ?? '',
      type: o.type ?? '',
      filetype: o.filetype ?? '',
      user: o.user ?? '',
      role: o.role ?? '',
      profile: o.profile ?? '',
      disable: Boolean(o.disable),
    },
    volumes: o.volume.map((v) => parseVolume(v, o.storageId ?? '')),
    stable_key: o.stableKey ?? '',
    stable_retention_seconds: o.stableRetention === undefined ? 0 : parseInteger('--stable-retention', o.stableRetention, 1, MAX_TTL),
  };
}

export function registerLeaseCommands(program: Command): void {
  program
    .command('allocate')
    .description('Lease a label for a workload (idempotent per host and workload).')
    .requiredOption('--host <host>', 'host the workload runs on')
    .requiredOption('--workload <id>', "runtime's id for the workload, e.g. a container id")
    .option('--level <level>', 'a static level instead of a random pair, e.g. s0:c100,c200')
    .option('--type <type>', "process type (must be on the server's allowlist)")
    .option('--filetype <type>', 'type of the mount label')
    .option('--user <user>', 'SELinux user of both labels')
    .option('--role <role>', 'role of the process label')
    .option('--profile <name>', "context profile (container, svirt, or the server's --profile)")
    .option('--disable', 'no MCS separation: the privileged type at s0, no pair consumed')
    .option('--share-with <lease>', "join this lease (a pod's shared label)")
    .option('--volume <path:z|Z[:ro]>', 'a volume to plan a relabel for (repeatable)', collect, [])
    .option('--storage-id <id>', 'names storage several hosts see (applies to every --volume)')
    .option('--ttl <seconds>', 'the lease expires unless renewed (0 = never)')
    .option('--request-id <id>', 'client-chosen id that makes retries safe')
    .option('--stable-key <key>', "the workload's lasting name: a recreated workload with the same key gets the same level")
    .option(
      '--stable-retention <seconds>',
      "how long the level waits for the key after the release (default: the server's --stable-retention)",
    )
    .addOption(
      new Option('--format <format>', 'output: text, json, podman arguments or shell variables').choices(['text', 'json', 'podman', 'env']),
    )
    .addHelpText(
      'after',
      examples(
        'mcsctl allocate --host node-1 --workload web-1',
        'mcsctl allocate --host node-1 --workload db-1 --ttl 3600 --volume /srv/db:Z --volume /srv/shared:z:ro',
        'mcsctl allocate --host node-1 --workload sidecar --share-with aaata42dsjvpkud4',
        'mcsctl allocate --host node-1 --workload 3f9c2e --stable-key node-1/podman/web --stable-retention 3600',
        'podman run $(mcsctl allocate --host "$(hostname)" --workload web-1 --format podman) \\',
        '    --annotation io.mcs-allocator.workload-id=web-1 registry.example/web',
        'eval "$(mcsctl allocate --host node-1 --workload vm-7 --type container_kvm_t --format env)"; echo "$MCS_LEVEL"',
      ),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<AllocateOptions>();
        if (g.json && o.format && o.format !== 'json') throw new UsageError(`--json cannot be combined with --format ${o.format}`);
        const format = o.format ?? (g.json ? 'json' : 'text');
        const req = allocateRequest(o);
        const res = await withClient(g, (c) => c.Allocate(req));
        const lease = res.lease;
        if (format === 'json') return void (await out(json(res)));
        if (!lease) throw new Error('the server answered without a lease');
        if (format === 'podman') return void (await out(podmanText(lease)));
        if (format === 'env') return void (await out(envLines(lease)));
        await out(allocateText(res, Date.now()));
      }),
    );

  program
    .command('release')
    .description("Give a lease (or one pod member's share of it) back. Releasing what is not held succeeds with released=false.")
    .option('--lease <id>', 'the lease; alone it ends the lease for all its members')
    .option('--host <host>', "with --workload: the member on this host; with --lease: must be the lease's host")
    .option('--workload <id>', 'only this member leaves (the pair is freed with the last member)')
    .option('--fencing-token <token>', "must match the lease's fencing token")
    .addHelpText(
      'after',
      examples(
        'mcsctl release --lease aaata42dsjvpkud4',
        'mcsctl release --host node-1 --workload web-1',
        'mcsctl release --lease aaata42dsjvpkud4 --workload sidecar',
        'mcsctl release --lease aaata42dsjvpkud4 --fencing-token 1795945327852001',
      ),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ lease?: string; host?: string; workload?: string; fencingToken?: string }>();
        if (!o.lease && !(o.host && o.workload)) throw new UsageError('release needs --lease ID, or --host H and --workload W');
        const req: ReleaseRequest = {
          lease_id: o.lease ?? '',
          host: o.host ?? '',
          workload_id: o.workload ?? '',
          fencing_token: o.fencingToken === undefined ? '0' : parseUint64('--fencing-token', o.fencingToken),
        };
        const target = o.lease ? `lease ${o.lease}${o.workload ? ` (member ${o.workload})` : ''}` : `workload ${o.workload} on ${o.host}`;
        const res = await withClient(g, (c) => c.Release(req));
        await print(g, res, () => releaseText(res, target));
      }),
    );

  program
    .command('renew')
    .description("Move a lease's expiry to now + --ttl.")
    .requiredOption('--lease <id>', 'the lease')
    .requiredOption('--ttl <seconds>', 'new expiry from now (at least 1)')
    .addHelpText('after', examples('mcsctl renew --lease aaata42dsjvpkud4 --ttl 3600'))
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ lease: string; ttl: string }>();
        const ttl = parseInteger('--ttl', o.ttl, 1, MAX_TTL);
        const res = await withClient(g, (c) => c.Renew({ lease_id: o.lease, ttl_seconds: ttl }));
        await print(g, res, () => `renewed ${o.lease}: expires ${isoTime(res.lease?.expires_at)}`);
      }),
    );

  program
    .command('heartbeat')
    .description('Keep every lease of a host alive (for servers run with --host-ttl).')
    .requiredOption('--host <host>', 'the host')
    .option('--ttl <seconds>', "how long the host counts as alive from now (default: the server's --host-ttl)")
    .addHelpText(
      'after',
      examples('mcsctl heartbeat --host node-1', 'while sleep 10; do mcsctl heartbeat --host "$(hostname)" --ttl 30; done'),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ host: string; ttl?: string }>();
        const ttl = o.ttl === undefined ? 0 : parseInteger('--ttl', o.ttl, 0, MAX_TTL);
        const res = await withClient(g, (c) => c.Heartbeat({ host: o.host, ttl_seconds: ttl }));
        await print(g, res, () => heartbeatText(o.host, res, Date.now()));
      }),
    );
}
