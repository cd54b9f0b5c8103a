import { describe, expect, it } from 'vitest';
import { rpcError } from '../support/service.js';
import { expectStatus, refusedWithoutTrace } from '../support/rpc.js';
import { useService } from '../support/fixtures.js';

// Volume relabel plans and the claims that keep one container's relabel
// from cutting another off its files (Podman #7512).

const t = useService({ pool: 'vol', homeDirs: '/srv/users/alice' });

const vol = (host_path: string, mode: string, extra: Record<string, unknown> = {}) => ({
  host_path,
  mode,
  read_only: false,
  storage_id: '',
  current_label: '',
  ...extra,
});

describe('plans', () => {
  it('plans shared, private, read-only and untouched volumes in request order', async () => {
    const { lease, volume_plan } = await t.client.Allocate({
      host: 'h1',
      workload_id: 'plan',
      volumes: [
        vol('/data/app//', 'Z'),
        vol('/shared/./cache', 'z'),
        vol('/srv/config', 'Z', { read_only: true }),
        vol('/var/lib/blob', 'z', { read_only: true }),
        vol('/scratch', ''),
      ],
    });
    const level = lease.level;
    expect(volume_plan.actions).toEqual([
      {
        host_path: '/data/app',
        action: 'RELABEL_RECURSIVE',
        target_label: `system_u:object_r:container_file_t:${level}`,
        command: ['chcon', '-R', `system_u:object_r:container_file_t:${level}`, '/data/app'],
        mount_option: `context="system_u:object_r:container_file_t:${level}"`,
        reason: expect.any(String),
      },
      expect.objectContaining({
        host_path: '/shared/cache',
        action: 'RELABEL_RECURSIVE',
        target_label: 'system_u:object_r:container_file_t:s0',
      }),
      expect.objectContaining({ host_path: '/srv/config', target_label: `system_u:object_r:container_ro_file_t:${level}` }),
      expect.objectContaining({ host_path: '/var/lib/blob', target_label: 'system_u:object_r:container_ro_file_t:s0' }),
      expect.objectContaining({ host_path: '/scratch', action: 'NONE', target_label: '', command: [], mount_option: '' }),
    ]);
    expect(lease.claims).toEqual([
      { host_path: '/data/app', mode: 'Z', storage_id: '' },
      { host_path: '/shared/cache', mode: 'z', storage_id: '' },
      { host_path: '/srv/config', mode: 'Z', storage_id: '' },
      { host_path: '/var/lib/blob', mode: 'z', storage_id: '' },
    ]);
  });

  it('skips a volume already labelled with its target, compared canonically', async () => {
    const { lease } = await t.client.Allocate({
      host: 'h1',
      workload_id: 'skip',
      options: { user: '', role: '', type: '', level: 's0:c100,c200', filetype: '', disable: false, profile: '' },
    });
    const plan = await t.client.PlanVolumes({
      lease_id: lease.lease_id,
      volumes: [
        vol('/skip/me', 'Z', { current_label: 'system_u:object_r:container_file_t:s0:c200,c100' }),
        vol('/skip/other', 'Z', { current_label: 'system_u:object_r:container_file_t:s0:c1,c2' }),
      ],
    });
    expect(plan.actions.map((a) => a.action)).toEqual(['SKIP', 'RELABEL_RECURSIVE']);
    expect(plan.actions[0]!.command).toEqual([]);
    expect(plan.actions[0]!.mount_option).toBe('context="system_u:object_r:container_file_t:s0:c100,c200"');
  });

  it.each(['/', '/usr/', '/usr/lib/x', '/etc/passwd', '/home', '/home/alice', '/root', '/srv/users/alice', '/srv/users'])(
    'refuses to relabel %s, leaving no trace',
    async (path) => {
      const err = await refusedWithoutTrace(t.raw, () => t.client.Allocate({ host: 'h1', workload_id: 'sys', volumes: [vol(path, 'z')] }));
      const normal = path === '/' ? '/' : path.replace(/\/$/, '');
      expectStatus(err, 'FAILED_PRECONDITION', 'RELABEL_NOT_ALLOWED', new RegExp(`^SELinux relabeling of ${normal} is not allowed$`));
    },
  );

  it.each([
    [[vol('data', 'Z')], 'volumes[0].host_path: must be absolute'],
    [[vol('/a\u0000b', 'Z')], 'volumes[0].host_path: contains a NUL byte'],
    [[vol('/' + 'x'.repeat(4100), 'Z')], 'volumes[0].host_path: is longer than 4096 bytes'],
    [[vol('/data', 'x')], 'volumes[0].mode'],
    [[vol('/data', 'z'), vol('/data/', 'Z')], 'volumes[1].host_path'],
    [[vol('/data', 'Z', { current_label: 'not a label' })], 'volumes[0].current_label'],
    [[vol('/data', 'Z', { storage_id: 'a b' })], 'volumes[0].storage_id'],
    [Array.from({ length: 129 }, (_, i) => vol(`/v${i}`, 'z')), 'volumes: at most 128'],
  ])('refuses %j with INVALID_ARGUMENT', async (volumes, message) => {
    const err = await refusedWithoutTrace(t.raw, () => t.client.Allocate({ host: 'h1', workload_id: 'bad', volumes }));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    expect(err.details).toContain(message);
  });
});

describe('claims', () => {
  it('a private claim blocks the same, nested and containing paths on the same host, for other leases only', async () => {
    const a = (await t.client.Allocate({ host: 'n1', workload_id: 'a', volumes: [vol('/data/db', 'Z')] })).lease;
    for (const [path, mode] of [
      ['/data/db', 'z'],
      ['/data/db/sub', 'Z'],
      ['/data', 'z'],
      ['/data/db', 'Z'],
    ] as const) {
      const err = await refusedWithoutTrace(t.raw, () =>
        t.client.Allocate({ host: 'n1', workload_id: `b-${path}-${mode}`, volumes: [vol(path, mode)] }),
      );
      expectStatus(
        err,
        'FAILED_PRECONDITION',
        'VOLUME_CONFLICT',
        new RegExp(`conflicts with lease ${a.lease_id}, which holds /data/db \\(Z\\)`),
      );
    }
    // Another host has its own /data/db; a sibling path is unrelated.
    await t.client.Allocate({ host: 'n2', workload_id: 'b', volumes: [vol('/data/db', 'Z')] });
    await t.client.Allocate({ host: 'n1', workload_id: 'sibling', volumes: [vol('/data/dbx', 'Z')] });
    // Members of the pod share the claim.
    await t.client.Allocate({ host: 'n1', workload_id: 'a2', share_with: a.lease_id, volumes: [vol('/data/db', 'Z')] });
    // Releasing the lease (both members) frees the path.
    await t.client.Release({ lease_id: a.lease_id });
    await t.client.Allocate({ host: 'n1', workload_id: 'next', volumes: [vol('/data/db/sub', 'z')] });
  });

  it('shared claims coexist, but a private claim on a shared path is refused', async () => {
    const one = (await t.client.Allocate({ host: 'n3', workload_id: 's1', volumes: [vol('/cache', 'z')] })).lease;
    await t.client.Allocate({ host: 'n3', workload_id: 's2', volumes: [vol('/cache', 'z')] });
    const err = await refusedWithoutTrace(t.raw, () =>
      t.client.Allocate({ host: 'n3', workload_id: 's3', volumes: [vol('/cache/private', 'Z')] }),
    );
    expectStatus(err, 'FAILED_PRECONDITION', 'VOLUME_CONFLICT', /which holds \/cache \(z\)/);
    expect(one.claims).toEqual([{ host_path: '/cache', mode: 'z', storage_id: '' }]);
  });

  it('claims on shared storage conflict across hosts', async () => {
    const a = (await t.client.Allocate({ host: 'east', workload_id: 'x', volumes: [vol('/mnt/nfs/vol1', 'Z', { storage_id: 'nfs-1' })] }))
      .lease;
    const err = await refusedWithoutTrace(t.raw, () =>
      t.client.Allocate({ host: 'west', workload_id: 'y', volumes: [vol('/mnt/nfs/vol1', 'Z', { storage_id: 'nfs-1' })] }),
    );
    expectStatus(err, 'FAILED_PRECONDITION', 'VOLUME_CONFLICT', new RegExp(`on storage nfs-1 conflicts with lease ${a.lease_id}`));
    // Another storage id is other storage.
    await t.client.Allocate({ host: 'west', workload_id: 'z', volumes: [vol('/mnt/nfs/vol1', 'Z', { storage_id: 'nfs-2' })] });
  });

  it('PlanVolumes adds claims to a live lease, refuses conflicts and unknown leases', async () => {
    const a = (await t.client.Allocate({ host: 'n4', workload_id: 'a' })).lease;
    const b = (await t.client.Allocate({ host: 'n4', workload_id: 'b' })).lease;
    const plan = await t.client.PlanVolumes({ lease_id: a.lease_id, volumes: [vol('/later', 'Z')] });
    expect(plan.actions[0]).toMatchObject({ host_path: '/later', action: 'RELABEL_RECURSIVE', target_label: a.mount_label });
    expect((await t.client.GetLease({ lease_id: a.lease_id })).claims).toEqual([{ host_path: '/later', mode: 'Z', storage_id: '' }]);
    // Repeating it is harmless.
    await t.client.PlanVolumes({ lease_id: a.lease_id, volumes: [vol('/later', 'Z')] });
    expect((await t.client.GetLease({ lease_id: a.lease_id })).claims).toHaveLength(1);
    const err = await refusedWithoutTrace(t.raw, () => t.client.PlanVolumes({ lease_id: b.lease_id, volumes: [vol('/later/inner', 'z')] }));
    expectStatus(err, 'FAILED_PRECONDITION', 'VOLUME_CONFLICT', new RegExp(a.lease_id));
    expectStatus(
      await rpcError(t.client.PlanVolumes({ lease_id: 'aaaaaaaaaaaaaaaa', volumes: [vol('/x', 'z')] })),
      'NOT_FOUND',
      'LEASE_NOT_FOUND',
    );
    expectStatus(
      await rpcError(t.client.PlanVolumes({ lease_id: a.lease_id, volumes: [] })),
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      /^volumes: is required/,
    );
  });
});
