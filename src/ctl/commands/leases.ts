/** leases list | get | watch: reading the lease table. */
import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import type { Lease__Output } from '../../generated/mcs/v1/Lease.js';
import type { LeaseEvent__Output } from '../../generated/mcs/v1/LeaseEvent.js';
import { classify, UsageError } from '../client.js';
import { parseInteger } from '../args.js';
import { eventLine, holdsTable, json, leasesTable, leaseText } from '../format.js';
import { action, connect, examples, print, withClient } from './common.js';

export function registerLeasesCommands(program: Command): void {
  const leases = program
    .command('leases')
    .description('List, read and watch leases.')
    .addHelpText('after', examples('mcsctl leases list', 'mcsctl leases get aaata42dsjvpkud4', 'mcsctl leases watch --host node-1'));

  leases
    .command('list')
    .description('Active leases as a table (lease, host, workload, level, kind, members, age, expiry), following every page.')
    .option('--host <host>', 'only leases of this host')
    .option('--limit <n>', 'stop after this many leases')
    .option('--page-size <n>', 'leases per ListLeases call (the server caps it at 1000)', '100')
    .option('--held', 'list the released stable levels waiting for their key instead')
    .addHelpText(
      'after',
      examples(
        'mcsctl leases list',
        'mcsctl leases list --host node-1 --limit 20',
        'mcsctl leases list --held',
        "mcsctl --json leases list | jq -r '.leases[].level'",
      ),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ host?: string; limit?: string; pageSize: string; held?: boolean }>();
        const limit = o.limit === undefined ? undefined : parseInteger('--limit', o.limit, 1, Number.MAX_SAFE_INTEGER);
        const pageSize = parseInteger('--page-size', o.pageSize, 1, 1000);
        const found: Lease__Output[] = [];
        let token = '';
        await withClient(g, async (c) => {
          do {
            const want = limit === undefined ? pageSize : Math.min(pageSize, limit - found.length);
            const page = await c.ListLeases({ host: o.host ?? '', page_size: want, page_token: token, held: Boolean(o.held) });
            found.push(...page.leases.slice(0, limit === undefined ? undefined : limit - found.length));
            token = page.next_page_token;
          } while (token !== '' && (limit === undefined || found.length < limit));
        });
        await print(g, { leases: found, next_page_token: token }, () =>
          o.held ? holdsTable(found, Date.now()) : leasesTable(found, Date.now()),
        );
      }),
    );

  leases
    .command('get')
    .description('One lease, by id (or by --host and --workload).')
    .argument('[lease-id]', 'the lease id')
    .option('--host <host>', 'with --workload: the lease this workload holds on this host')
    .option('--workload <id>', 'the workload id')
    .addHelpText(
      'after',
      examples(
        'mcsctl leases get aaata42dsjvpkud4',
        'mcsctl leases get --host node-1 --workload web-1',
        'mcsctl --json leases get aaata42dsjvpkud4',
      ),
    )
    .action(
      action(async (g, cmd, id: string | undefined) => {
        const o = cmd.opts<{ host?: string; workload?: string }>();
        if (id && (o.host || o.workload)) throw new UsageError('give a lease id or --host and --workload, not both');
        if (!id && !(o.host && o.workload)) throw new UsageError('leases get needs a lease id, or --host H and --workload W');
        const lease = await withClient(g, (c) => c.GetLease({ lease_id: id ?? '', host: o.host ?? '', workload_id: o.workload ?? '' }));
        await print(g, lease, () => leaseText(lease, Date.now()));
      }),
    );

  leases
    .command('watch')
    .description('Print lease events as they happen (one line each; one JSON object per line with --json) until SIGINT/SIGTERM.')
    .option('--host <host>', 'only events of this host')
    .option('--after <event-id>', 'resume after this event id (from an earlier event); default: only new events')
    .addHelpText(
      'after',
      examples('mcsctl leases watch', 'mcsctl leases watch --host node-1', 'mcsctl --json leases watch --after 1795945327853-0 | jq .type'),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ host?: string; after?: string }>();
        const client = connect(g);
        let stopping = false;
        try {
          await new Promise<void>((resolve, reject) => {
            const call = client.WatchLeases({ host: o.host ?? '', after_event_id: o.after ?? '' });
            const stop = () => {
              stopping = true;
              call.cancel();
              resolve();
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
            call.on('data', (ev: LeaseEvent__Output) => {
              process.stdout.write(`${g.json ? json(ev, true) : eventLine(ev)}\n`);
            });
            call.on('error', (e: grpc.ServiceError) => {
              if (stopping && e.code === grpc.status.CANCELLED) return resolve();
              reject(classify(e, client.address));
            });
            call.on('end', () => resolve());
          });
        } finally {
          client.close();
        }
      }),
    );
}
