/**
 * mcsctl's pure formatting and parsing (src/ctl/format.ts, args.ts, oci.ts):
 * Podman arguments, shell quoting against hostile values, tables, text forms,
 * volume specs, and the OCI config transformation. No server, no subprocess
 * except /bin/sh to prove the quoting.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Lease__Output } from '../../src/generated/mcs/v1/Lease.js';
import {
  actionLine,
  allocateText,
  envLines,
  eventLine,
  expiryText,
  formatDuration,
  formatPercent,
  leasesTable,
  leaseText,
  planText,
  podmanArgs,
  poolStatsText,
  releaseText,
  shellJoin,
  shellQuote,
  table,
  utilisation,
} from '../../src/ctl/format.js';
import { parseVolume, parseVolumeList } from '../../src/ctl/args.js';
import { UsageError } from '../../src/ctl/client.js';
import {
  ANNOTATIONS,
  applyLease,
  containerIdOf,
  parseDocument,
  plainJsonIsExact,
  poststopIdentity,
  precreateIdentity,
  precreatePlan,
  stringifyDocument,
} from '../../src/ctl/oci.js';

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const ts = (iso: string) => {
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
};

function lease(over: Partial<Lease__Output> = {}): Lease__Output {
  return {
    lease_id: 'aaata42dsjvpkud4',
    pool: 'default',
    host: 'node-1',
    workload_id: '4f3c9a',
    level: 's0:c4,c611',
    process_label: 'system_u:system_r:container_t:s0:c4,c611',
    mount_label: 'system_u:object_r:container_file_t:s0:c4,c611',
    ro_mount_label: 'system_u:object_r:container_ro_file_t:s0:c4,c611',
    fencing_token: '1795945327852001',
    created_at: ts('2026-11-29T09:55:00.000Z'),
    stable_key: '',
    held_until: null,
    expires_at: null,
    members: ['4f3c9a'],
    claims: [],
    kind: 'RANDOM',
    level_name: '',
    ...over,
  };
}

/** Runs `eval "$lines"` in a real shell and prints the variables back, NUL-separated. */
function evalInShell(lines: string, names: string[]): string[] {
  const script = `eval "$1"; printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`;
  const out = execFileSync('/bin/sh', ['-c', script, 'sh', lines], { encoding: 'utf8' });
  return out.split('\0').slice(0, names.length);
}

describe('podmanArgs', () => {
  it('gives level, type and filetype for a default lease', () => {
    expect(podmanArgs(lease())).toEqual([
      '--security-opt',
      'label=level:s0:c4,c611',
      '--security-opt',
      'label=type:container_t',
      '--security-opt',
      'label=filetype:container_file_t',
    ]);
  });

  it('adds user and role only when they are not the container defaults', () => {
    const args = podmanArgs(
      lease({
        process_label: 'user_u:user_r:container_kvm_t:s0:c1,c2',
        mount_label: 'user_u:object_r:svirt_sandbox_file_t:s0:c1,c2',
        level: 's0:c1,c2',
      }),
    );
    expect(args).toEqual([
      '--security-opt',
      'label=level:s0:c1,c2',
      '--security-opt',
      'label=user:user_u',
      '--security-opt',
      'label=role:user_r',
      '--security-opt',
      'label=type:container_kvm_t',
      '--security-opt',
      'label=filetype:svirt_sandbox_file_t',
    ]);
  });

  it('is label=disable for a DISABLED lease', () => {
    expect(podmanArgs(lease({ kind: 'DISABLED', level: 's0', process_label: 'system_u:system_r:spc_t:s0' }))).toEqual([
      '--security-opt',
      'label=disable',
    ]);
  });

  it('keeps a static multi-category level (with its dots) intact', () => {
    const l = lease({ kind: 'STATIC', level: 's0:c0.c3,c9', process_label: 'system_u:system_r:container_t:s0:c0.c3,c9' });
    expect(podmanArgs(l)[1]).toBe('label=level:s0:c0.c3,c9');
    expect(shellJoin(podmanArgs(l))).not.toContain("'");
  });
});

describe('shell quoting', () => {
  const hostile = [
    "it's",
    'a"b',
    '$(touch /tmp/mcsctl-pwned)',
    '`id`',
    '$HOME ${PATH}',
    'line1\nline2',
    "'; rm -rf / #",
    '\\',
    '',
    ' spaced  out ',
    '*?[a]',
  ];

  it('env lines survive eval with hostile values, byte for byte', () => {
    for (const bad of hostile) {
      const l = lease({ lease_id: bad, level: bad, process_label: bad, mount_label: bad, ro_mount_label: bad, fencing_token: bad });
      const got = evalInShell(envLines(l), [
        'MCS_LEASE_ID',
        'MCS_LEVEL',
        'MCS_PROCESS_LABEL',
        'MCS_MOUNT_LABEL',
        'MCS_RO_MOUNT_LABEL',
        'MCS_FENCING_TOKEN',
      ]);
      expect(got, JSON.stringify(bad)).toEqual([bad, bad, bad, bad, bad, bad]);
    }
  });

  it('env lines name every variable, single-quoted', () => {
    const lines = envLines(lease()).split('\n');
    expect(lines).toEqual([
      "MCS_LEASE_ID='aaata42dsjvpkud4'",
      "MCS_LEVEL='s0:c4,c611'",
      "MCS_PROCESS_LABEL='system_u:system_r:container_t:s0:c4,c611'",
      "MCS_MOUNT_LABEL='system_u:object_r:container_file_t:s0:c4,c611'",
      "MCS_RO_MOUNT_LABEL='system_u:object_r:container_ro_file_t:s0:c4,c611'",
      "MCS_FENCING_TOKEN='1795945327852001'",
    ]);
  });

  it('shellQuote round-trips any string through sh (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
        (s) => {
          const out = execFileSync('/bin/sh', ['-c', `eval "X=$1"; printf '%s' "$X"`, 'sh', shellQuote(s)], { encoding: 'utf8' });
          expect(out).toBe(s);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('shellJoin leaves safe words bare and quotes the rest', () => {
    expect(shellJoin(['chcon', '-R', 'system_u:object_r:container_file_t:s0:c1,c2', '/srv/my data'])).toBe(
      "chcon -R system_u:object_r:container_file_t:s0:c1,c2 '/srv/my data'",
    );
  });
});

describe('tables and text', () => {
  it('lists leases with every column, aligned, without borders or colour codes', () => {
    const rows = [
      lease(),
      lease({
        lease_id: 'baaab2cdefghijkl',
        host: 'node-22',
        workload_id: 'db',
        level: 's0:c100,c200',
        kind: 'STATIC',
        members: ['db', 'db-sidecar'],
        created_at: ts('2026-11-27T08:00:00.000Z'),
        expires_at: ts('2026-11-29T10:05:00.000Z'),
      }),
    ];
    const out = leasesTable(rows, NOW);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['LEASE', 'HOST', 'WORKLOAD', 'LEVEL', 'KIND', 'MEMBERS', 'AGE', 'EXPIRY']);
    expect(lines[1]!.split(/\s{2,}/)).toEqual(['aaata42dsjvpkud4', 'node-1', '4f3c9a', 's0:c4,c611', 'RANDOM', '1', '5m0s', 'never']);
    expect(lines[2]!.split(/\s{2,}/)).toEqual(['baaab2cdefghijkl', 'node-22', 'db', 's0:c100,c200', 'STATIC', '2', '2d2h', 'in 5m0s']);
    // columns line up: every row's level starts where the header's LEVEL does
    const col = lines[0]!.indexOf('LEVEL');
    expect(lines[1]!.indexOf('s0:c4,c611')).toBe(col);
    expect(lines[2]!.indexOf('s0:c100,c200')).toBe(col);
    // eslint-disable-next-line no-control-regex -- no terminal escape sequences
    expect(out).not.toMatch(/\u001b\[|[│─┌┐└┘]/);
  });

  it('says so when there is nothing to list', () => {
    expect(leasesTable([], NOW)).toBe('no active leases');
  });

  it('a generic table pads every column to its widest cell', () => {
    expect(table(['A', 'LONG'], [['xxxx', 'y']])).toBe('A     LONG\nxxxx  y');
  });

  it('shows durations and expiry in words', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(310_000)).toBe('5m10s');
    expect(formatDuration(3 * 3600_000 + 4 * 60_000)).toBe('3h4m');
    expect(expiryText(lease({ expires_at: ts('2026-11-29T09:59:57.000Z') }), NOW)).toBe('expired 3s ago');
  });

  it('lease text shows every field', () => {
    const text = leaseText(
      lease({
        claims: [
          { host_path: '/srv/data', mode: 'Z', storage_id: '' },
          { host_path: '/nfs/a', mode: 'z', storage_id: 'nfs-1' },
        ],
      }),
      NOW,
    );
    for (const s of [
      'aaata42dsjvpkud4',
      'node-1',
      's0:c4,c611',
      'container_ro_file_t',
      '1795945327852001',
      '2026-11-29T09:55:00.000Z (5m0s ago)',
      '/srv/data (Z)',
      '/nfs/a (z, storage nfs-1)',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('volume plans: one line per action, with the command or the reason', () => {
    const plan = {
      actions: [
        {
          host_path: '/srv/my data',
          action: 'RELABEL_RECURSIVE' as const,
          target_label: 'L1',
          command: ['chcon', '-R', 'L1', '/srv/my data'],
          mount_option: 'context="L1"',
          reason: 'r',
        },
        { host_path: '/srv/b', action: 'SKIP' as const, target_label: 'L2', command: [], mount_option: '', reason: 'already' },
        {
          host_path: '/scratch',
          action: 'NONE' as const,
          target_label: '',
          command: [],
          mount_option: '',
          reason: 'no relabel requested (no z or Z)',
        },
      ],
    };
    expect(planText(plan).split('\n')).toEqual([
      'volume plan:',
      "  RELABEL_RECURSIVE '/srv/my data'  chcon -R L1 '/srv/my data'",
      '  SKIP              /srv/b  # already labelled L2',
      '  NONE              /scratch  # no relabel requested (no z or Z)',
    ]);
    expect(actionLine(plan.actions[0]!)).toContain('chcon -R L1');
    const text = allocateText({ lease: lease(), created: true, volume_plan: plan }, NOW);
    expect(text.split('\n')[0]).toBe('allocated lease aaata42dsjvpkud4');
    expect(text).toContain('volume plan:');
    expect(allocateText({ lease: lease(), created: false, volume_plan: { actions: [] } }, NOW)).toMatch(/^existing lease aaata42dsjvpkud4/);
  });

  it('pool stats: utilisation is leased / (total - reserved)', () => {
    const stats = {
      pool: 'p',
      category_range: 'c0.c9',
      sensitivity: 's0',
      total: '45',
      leased: '11',
      free: '33',
      reserved: '1',
      blocked: '0',
      held: '0',
    };
    expect(utilisation(stats)).toBe(25);
    expect(poolStatsText(stats)).toMatch(/^utilisation\s+25\.00%$/m);
    expect(utilisation({ total: '1', leased: '0', reserved: '1' })).toBeUndefined();
    expect(formatPercent(undefined)).toBe('n/a');
    expect(formatPercent(0.0002)).toBe('<0.01%');
  });

  it('release text tells released, member left, and nothing held apart', () => {
    expect(releaseText({ released: true, remaining_members: 0 }, 'lease x')).toMatch(/back in the pool/);
    expect(releaseText({ released: true, remaining_members: 2 }, 'lease x')).toMatch(/2 member\(s\) still hold/);
    expect(releaseText({ released: false, remaining_members: 0 }, 'lease x')).toMatch(/^nothing to release/);
  });

  it('event lines carry id, time, type, lease and member', () => {
    const line = eventLine({
      event_id: '1795945327853-0',
      type: 'RELEASED',
      lease: lease(),
      at: ts('2026-11-29T09:59:00.000Z'),
      workload_id: 'sidecar',
    });
    expect(line).toBe(
      '1795945327853-0 2026-11-29T09:59:00.000Z RELEASED  lease=aaata42dsjvpkud4 host=node-1 workload=4f3c9a level=s0:c4,c611 kind=RANDOM member=sidecar',
    );
  });
});

describe('volume specs', () => {
  it('parses PATH:z|Z[:ro]', () => {
    expect(parseVolume('/data:Z')).toEqual({ host_path: '/data', mode: 'Z', read_only: false, storage_id: '' });
    expect(parseVolume('/cache:z:ro', 'nfs')).toEqual({ host_path: '/cache', mode: 'z', read_only: true, storage_id: 'nfs' });
    expect(parseVolume('/a:b/c:Z')).toEqual({ host_path: '/a:b/c', mode: 'Z', read_only: false, storage_id: '' });
    expect(parseVolume('/plain')).toEqual({ host_path: '/plain', mode: '', read_only: false, storage_id: '' });
    expect(parseVolumeList('/data:Z, /cache:z:ro', '', 'a')).toHaveLength(2);
  });

  it('refuses relative paths, empty paths and contradictory options', () => {
    for (const bad of ['data:Z', ':Z', '/x:z:Z', '/x:ro:rw']) expect(() => parseVolume(bad), bad).toThrow(UsageError);
  });
});

describe('OCI documents', () => {
  const config = () =>
    parseDocument(
      JSON.stringify({
        ociVersion: '1.0.2',
        process: { args: ['sh'], rlimits: [{ type: 'RLIMIT_AS', hard: 1, soft: 1 }] },
        linux: { cgroupsPath: '/machine.slice/libpod-' + 'ab'.repeat(32) + '.scope' },
        annotations: {},
      }).replace('"hard":1', '"hard":18446744073709551615'),
      'config',
    );

  it('keeps 64-bit numbers and key order through parse and stringify', () => {
    const text = '{"z":1,"a":{"big":18446744073709551615,"f":1.50,"e":1e400},"m":[9007199254740993]}';
    expect(stringifyDocument(parseDocument(text, 't'))).toBe(text);
  });

  it('reads plain JSON with JSON.parse only where that is exact', () => {
    expect(
      plainJsonIsExact('{"a":[1,-2,3.5,123456789012345],"id":"3e8a1c2e9b7d4f6a8c0e2b4d6f8a0c2e","s":"1e400 \\" 18446744073709551615"}'),
    ).toBe(true);
    for (const text of ['{"a":1234567890123456}', '{"a":1e3}', '{"a":2E-5}', '{"a":-18446744073709551615}']) {
      expect(plainJsonIsExact(text)).toBe(false);
    }
    // and whichever way it was read, what is written back has the same values and key order
    const plain = '{"z":1,"a":{"b":[1,2.5,-3]},"m":"x\\u003cy"}';
    expect(stringifyDocument(parseDocument(plain, 't'))).toBe('{"z":1,"a":{"b":[1,2.5,-3]},"m":"x<y"}');
  });

  it('refuses non-JSON and non-objects', () => {
    expect(() => parseDocument('{', 'x')).toThrow(UsageError);
    expect(() => parseDocument('[1]', 'x')).toThrow(UsageError);
  });

  it('finds the container id in CRI-O annotations and Podman cgroup paths', () => {
    expect(containerIdOf(config())).toBe('ab'.repeat(32));
    expect(containerIdOf(parseDocument(`{"linux":{"cgroupsPath":"machine.slice:libpod:${'c'.repeat(64)}"}}`, 'c'))).toBe('c'.repeat(64));
    expect(containerIdOf(parseDocument('{"annotations":{"io.kubernetes.cri-o.ContainerID":"crio-1"}}', 'c'))).toBe('crio-1');
    expect(containerIdOf(parseDocument('{"linux":{"cgroupsPath":"/user.slice/abc"}}', 'c'))).toBeUndefined();
  });

  it('precreate and poststop agree on the workload: annotation, then flag, then container id', () => {
    const id = 'ab'.repeat(32);
    const state = (annotations: Record<string, string>) =>
      parseDocument(JSON.stringify({ ociVersion: '1.0.2', id, status: 'stopped', pid: 0, bundle: '/b', annotations }), 's');
    expect(precreateIdentity(config(), { host: 'h' }).workloadId).toBe(id);
    expect(poststopIdentity(state({}), { host: 'h' }).workloadId).toBe(id);
    expect(precreateIdentity(config(), { host: 'h', workload: 'w' }).workloadId).toBe('w');
    expect(poststopIdentity(state({}), { host: 'h', workload: 'w' }).workloadId).toBe('w');
    const c = config();
    (c.annotations as Record<string, string>)[ANNOTATIONS.workloadId] = 'named';
    expect(precreateIdentity(c, { host: 'h', workload: 'w' })).toEqual({
      host: 'h',
      workloadId: 'named',
      source: `annotation ${ANNOTATIONS.workloadId}`,
    });
    expect(poststopIdentity(state({ [ANNOTATIONS.workloadId]: 'named' }), { host: 'h', workload: 'w' }).workloadId).toBe('named');
    expect(() => precreateIdentity(parseDocument('{}', 'c'), { host: 'h' })).toThrow(/cannot tell which workload/);
  });

  it("plans a random lease for an unlabelled config, with the annotations' volumes, ttl and storage", () => {
    const c = config();
    Object.assign(c.annotations as object, {
      [ANNOTATIONS.volumes]: '/data:Z,/cache:z:ro',
      [ANNOTATIONS.ttl]: '600',
      [ANNOTATIONS.storageId]: 'nfs-1',
      [ANNOTATIONS.type]: 'container_kvm_t',
    });
    const plan = precreatePlan(c, { host: 'h', privilegedType: 'spc_t' });
    expect(plan.mode).toBe('random');
    expect(plan.request.ttl_seconds).toBe(600);
    expect(plan.request.options).toMatchObject({ type: 'container_kvm_t', level: '' });
    expect(plan.request.volumes).toEqual([
      { host_path: '/data', mode: 'Z', read_only: false, storage_id: 'nfs-1' },
      { host_path: '/cache', mode: 'z', read_only: true, storage_id: 'nfs-1' },
    ]);
  });

  it('keeps a label the runtime set: its level is leased as static, with its user, role, type and file type', () => {
    const c = config();
    (c.process as Record<string, unknown>).selinuxLabel = 'system_u:system_r:container_init_t:s0:c200,c100';
    (c.linux as Record<string, unknown>).mountLabel = 'system_u:object_r:container_file_t:s0:c200,c100';
    const plan = precreatePlan(c, { host: 'h', privilegedType: 'spc_t' });
    expect(plan.mode).toBe('static');
    expect(plan.level).toBe('s0:c200,c100');
    expect(plan.request.options).toEqual({
      user: 'system_u',
      role: 'system_r',
      type: 'container_init_t',
      filetype: 'container_file_t',
      level: 's0:c200,c100',
    });
    // an annotation naming the same level (in another spelling) is fine; another level is refused
    (c.annotations as Record<string, string>)[ANNOTATIONS.level] = 's0:c100,c200';
    expect(precreatePlan(c, { host: 'h', privilegedType: 'spc_t' }).mode).toBe('static');
    (c.annotations as Record<string, string>)[ANNOTATIONS.level] = 's0:c1,c2';
    expect(() => precreatePlan(c, { host: 'h', privilegedType: 'spc_t' })).toThrow(/differs from the level the runtime already set/);
  });

  it('a privileged label or the disable annotation asks for a DISABLED lease', () => {
    const c = config();
    (c.process as Record<string, unknown>).selinuxLabel = 'system_u:system_r:spc_t:s0';
    expect(precreatePlan(c, { host: 'h', privilegedType: 'spc_t' }).request.options).toEqual({ disable: true });
    const d = config();
    (d.annotations as Record<string, string>)[ANNOTATIONS.disable] = 'true';
    expect(precreatePlan(d, { host: 'h', privilegedType: 'spc_t' }).mode).toBe('disabled');
    (d.annotations as Record<string, string>)[ANNOTATIONS.level] = 's0:c1,c2';
    expect(() => precreatePlan(d, { host: 'h', privilegedType: 'spc_t' })).toThrow(UsageError);
    (d.annotations as Record<string, string>)[ANNOTATIONS.disable] = 'maybe';
    expect(() => precreatePlan(d, { host: 'h', privilegedType: 'spc_t' })).toThrow(/not true or false/);
  });

  it('the stable-key annotation asks for a stable lease; it cannot go with a join or a disabled label', () => {
    const c = config();
    Object.assign(c.annotations as object, { [ANNOTATIONS.stableKey]: 'quadlet/web', [ANNOTATIONS.stableRetention]: '3600' });
    const plan = precreatePlan(c, { host: 'h', privilegedType: 'spc_t' });
    expect(plan.mode).toBe('random');
    expect(plan.request).toMatchObject({ stable_key: 'quadlet/web', stable_retention_seconds: 3600 });
    (c.annotations as Record<string, string>)[ANNOTATIONS.stableRetention] = 'forever';
    expect(() => precreatePlan(c, { host: 'h', privilegedType: 'spc_t' })).toThrow(/io.mcs-allocator.stable-retention/);
    const noKey = config();
    (noKey.annotations as Record<string, string>)[ANNOTATIONS.stableRetention] = '60';
    expect(() => precreatePlan(noKey, { host: 'h', privilegedType: 'spc_t' })).toThrow(/needs io.mcs-allocator.stable-key/);
    const join = config();
    Object.assign(join.annotations as object, { [ANNOTATIONS.stableKey]: 'k', [ANNOTATIONS.shareWith]: 'aaata42dsjvpkud4' });
    expect(() => precreatePlan(join, { host: 'h', privilegedType: 'spc_t' })).toThrow(
      /cannot be combined with io.mcs-allocator.share-with/,
    );
    const off = config();
    Object.assign(off.annotations as object, { [ANNOTATIONS.stableKey]: 'k', [ANNOTATIONS.disable]: 'true' });
    expect(() => precreatePlan(off, { host: 'h', privilegedType: 'spc_t' })).toThrow(/no pair to hold/);
  });

  it('share-with joins with the level only', () => {
    const c = config();
    (c.annotations as Record<string, string>)[ANNOTATIONS.shareWith] = 'aaata42dsjvpkud4';
    const plan = precreatePlan(c, { host: 'h', privilegedType: 'spc_t' });
    expect(plan.mode).toBe('join');
    expect(plan.request.share_with).toBe('aaata42dsjvpkud4');
    expect(plan.request.options).toEqual({});
  });

  it('applyLease changes the two labels and adds the lease annotations, nothing else', () => {
    const c = config();
    const before = stringifyDocument(config());
    const out = stringifyDocument(applyLease(c, lease(), { actions: [] }));
    const expected = JSON.parse(before.replace('18446744073709551615', '0')) as Record<string, Record<string, unknown>>;
    expected.process!.selinuxLabel = lease().process_label;
    expected.linux!.mountLabel = lease().mount_label;
    expected.annotations![ANNOTATIONS.leaseId] = 'aaata42dsjvpkud4';
    expected.annotations![ANNOTATIONS.volumePlan] = '{"actions":[]}';
    expect(out.replace('18446744073709551615', '0')).toBe(JSON.stringify(expected));
    expect(out).toContain('"hard":18446744073709551615');
  });
});

describe('leases of the Kubernetes webhook', () => {
  it('show namespace/pod, and a shared lease its claim or namespace with its pods', async () => {
    const { workloadText, kubernetesName } = await import('../../src/domain/kubernetes-names.js');
    expect(workloadText({ workload_id: 'pod:team-a/web-1', members: ['pod:team-a/web-1'] })).toBe('team-a/web-1');
    expect(workloadText({ workload_id: 'pod:team-a/web-7d4f9c8b6d-#705ab4f5', members: [] })).toBe('team-a/web-7d4f9c8b6d-#705ab4f5');
    expect(
      workloadText({
        workload_id: 'pvc:team-a/data',
        members: ['pvc:team-a/data', 'pod:team-a/db-0', 'pod:team-a/db-1', 'pod:team-a/db-2'],
      }),
    ).toBe('claim team-a/data: team-a/db-0 +2');
    expect(workloadText({ workload_id: 'ns:team-b', members: ['ns:team-b'] })).toBe('namespace team-b: no pods');
    expect(workloadText({ workload_id: '4f3c9a', members: ['4f3c9a'] })).toBe('4f3c9a');
    expect(kubernetesName('4f3c9a')).toBeUndefined();
  });
});
