/** pools stats, plan: the pool's numbers and volume plans for live leases. */
import type { Command } from 'commander';
import { UsageError } from '../client.js';
import { parseVolume } from '../args.js';
import { planText, poolStatsText } from '../format.js';
import { action, examples, print, withClient } from './common.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerPoolCommands(program: Command): void {
  const pools = program.command('pools').description('Pool statistics.').addHelpText('after', examples('mcsctl pools stats'));

  pools
    .command('stats')
    .description('Pairs in the pool: total, leased, free, reserved, blocked, and utilisation = leased / (total - reserved).')
    .addHelpText('after', examples('mcsctl pools stats', 'mcsctl --json pools stats | jq .free'))
    .action(
      action(async (g) => {
        const stats = await withClient(g, (c) => c.GetPoolStats({}));
        await print(g, stats, () => poolStatsText(stats));
      }),
    );

  program
    .command('plan')
    .description('Plan relabels for volumes added to a live lease (and record their claims with it).')
    .requiredOption('--lease <id>', 'the lease')
    .option('--volume <path:z|Z[:ro]>', 'a volume (repeatable, at least one)', collect, [])
    .option('--storage-id <id>', 'names storage several hosts see (applies to every --volume)')
    .addHelpText(
      'after',
      examples(
        'mcsctl plan --lease aaata42dsjvpkud4 --volume /srv/data:Z',
        'mcsctl plan --lease aaata42dsjvpkud4 --volume /srv/cache:z:ro --volume /mnt/nfs/app:Z --storage-id nfs-1',
      ),
    )
    .action(
      action(async (g, cmd) => {
        const o = cmd.opts<{ lease: string; volume: string[]; storageId?: string }>();
        if (o.volume.length === 0) throw new UsageError('plan needs at least one --volume PATH:z|Z[:ro]');
        const volumes = o.volume.map((v) => parseVolume(v, o.storageId ?? ''));
        const plan = await withClient(g, (c) => c.PlanVolumes({ lease_id: o.lease, volumes }));
        await print(g, plan, () => planText(plan));
      }),
    );
}
