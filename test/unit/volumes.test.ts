import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { LabelSyntaxError } from '../../src/domain/errors.js';
import { PathError } from '../../src/domain/paths.js';
import {
  type LeaseLabels,
  type VolumeMode,
  type VolumeRequest,
  VolumeError,
  MAX_RELABEL_DEPTH,
  MAX_RELABEL_SEGMENTS,
  planVolumes,
  prepareVolumes,
  segmentCount,
} from '../../src/domain/volumes.js';
import { thrown } from '../support/throws.js';

function vol(hostPath: string, mode: VolumeMode, extra: Partial<VolumeRequest> = {}): VolumeRequest {
  return { hostPath, mode, readOnly: false, storageId: '', currentLabel: '', ...extra };
}

const volumeError = (fn: () => unknown): VolumeError => thrown(VolumeError, fn);

const HOST = 'node-1';

const LABELS: LeaseLabels = {
  mountLabel: 'system_u:object_r:container_file_t:s0:c100,c200',
  roMountLabel: 'system_u:object_r:container_ro_file_t:s0:c100,c200',
  sharedLabel: 'system_u:object_r:container_file_t:s0',
  roSharedLabel: 'system_u:object_r:container_ro_file_t:s0',
};

describe('VolumeError', () => {
  it('names the index and field', () => {
    const e = new VolumeError(3, 'mode', 'is bad');
    expect(e.message).toBe('volumes[3].mode: is bad');
    expect(e.name).toBe('VolumeError');
    expect(e.protectedPath).toBeUndefined();
    expect(e).toBeInstanceOf(Error);
  });

  it('uses go-selinux wording for a protected path', () => {
    const e = new VolumeError(0, 'host_path', 'inside /usr', '/usr/lib');
    expect(e.message).toBe('SELinux relabeling of /usr/lib is not allowed');
    expect(e.protectedPath).toBe('/usr/lib');
    expect(e.rule).toBe('inside /usr');
  });
});

describe('prepareVolumes: field validation', () => {
  it.each<[VolumeRequest, string, string]>([
    [vol('/data', 'x' as VolumeMode), 'mode', 'volumes[0].mode: must be "", "z" or "Z", got "x"'],
    [vol('/data', 'zZ' as VolumeMode), 'mode', 'volumes[0].mode: must be "", "z" or "Z", got "zZ"'],
    [vol('/data', 'z,ro' as VolumeMode), 'mode', 'volumes[0].mode: must be "", "z" or "Z", got "z,ro"'],
    [vol('data', 'z'), 'host_path', 'volumes[0].host_path: must be absolute'],
    [vol('', ''), 'host_path', 'volumes[0].host_path: is empty'],
    [vol('/a\u0000b', 'Z'), 'host_path', 'volumes[0].host_path: contains a NUL byte'],
    [vol('/a\nb', ''), 'host_path', 'volumes[0].host_path: contains a control character'],
    [vol(`/${'a'.repeat(4096)}`, 'z'), 'host_path', 'volumes[0].host_path: is longer than 4096 bytes'],
    [vol('/data', 'z', { storageId: 'a b' }), 'storage_id', 'volumes[0].storage_id: "a b" must be printable ASCII without spaces'],
    [vol('/data', 'z', { storageId: 'é' }), 'storage_id', 'must be printable ASCII without spaces'],
    [vol('/data', 'z', { storageId: 'a\tb' }), 'storage_id', 'must be printable ASCII without spaces'],
    [vol('/data', 'z', { storageId: 'x'.repeat(257) }), 'storage_id', 'volumes[0].storage_id: is longer than 256 characters'],
    [vol('/data', 'z', { currentLabel: 'garbage' }), 'current_label', 'volumes[0].current_label: context "garbage" has 1 part'],
    [vol('/data', 'Z', { currentLabel: 'u:r:t:s0:c1024' }), 'current_label', 'category c1024 is above c1023'],
    [vol('/data', '', { currentLabel: 'u:r:t:' }), 'current_label', 'has an empty level'],
  ])('%j is refused (%s)', (v, field, fragment) => {
    const e = volumeError(() => prepareVolumes([v], HOST));
    expect(e.field).toBe(field);
    expect(e.index).toBe(0);
    expect(e.protectedPath).toBeUndefined();
    expect(e.message).toContain(fragment);
  });

  it('accepts the edges of storage ids and valid current labels', () => {
    const volumes = [
      vol('/a', 'z', { storageId: 'x'.repeat(256) }),
      vol('/b', 'z', { storageId: '!~pvc-123/ns:name' }),
      vol('/c', 'Z', { currentLabel: 'system_u:object_r:container_file_t:s0:c2,c1' }),
      vol('/d', '', { currentLabel: 'unconfined_u:object_r:user_home_t:s0' }),
    ];
    expect(prepareVolumes(volumes, HOST).volumes).toEqual(volumes);
  });

  it('reports the index of the offending volume', () => {
    const e = volumeError(() => prepareVolumes([vol('/a', 'z'), vol('/b', ''), vol('rel', 'Z')], HOST));
    expect(e.index).toBe(2);
    expect(e.message).toBe('volumes[2].host_path: must be absolute');
  });

  it('normalises host paths, keeps order and the other fields', () => {
    const input = [
      vol('//data//x/', 'z', { readOnly: true }),
      vol('/srv/./app/../web', 'Z', { storageId: 'pv-1', currentLabel: 'u:r:t:s0' }),
      vol('/usr/', ''),
    ];
    const { volumes } = prepareVolumes(input, HOST);
    expect(volumes).toEqual([
      vol('/data/x', 'z', { readOnly: true }),
      vol('/srv/web', 'Z', { storageId: 'pv-1', currentLabel: 'u:r:t:s0' }),
      vol('/usr', ''),
    ]);
  });

  it('an empty request is fine', () => {
    expect(prepareVolumes([], HOST)).toEqual({ volumes: [], claims: [] });
  });

  it('an invalid configured home directory throws PathError, not VolumeError', () => {
    expect(() => prepareVolumes([vol('/data', 'z')], HOST, ['relative'])).toThrow(PathError);
  });
});

describe('prepareVolumes: protected paths', () => {
  it.each<[string, string, string]>([
    // go-selinux TestRelabel and Podman's refusals.
    ['/', '/', 'system directory'],
    ['/usr', '/usr', 'system directory'],
    ['/usr/', '/usr', 'system directory'],
    ['/usr/lib/x', '/usr/lib/x', 'inside /usr'],
    ['/etc', '/etc', 'system directory'],
    ['/etc/passwd', '/etc/passwd', 'system file'],
    ['/home', '/home', 'system directory'],
    ['/home/alice', '/home/alice', 'home directory'],
    ['/home/alice/', '/home/alice', 'home directory'],
    ['/home/alice/data/..', '/home/alice', 'home directory'],
    ['/root', '/root', 'system directory'],
    ['/tmp', '/tmp', 'system directory'],
    ['/var/lib', '/var/lib', 'system directory'],
    ['/etc/selinux/targeted', '/etc/selinux/targeted', 'inside /etc/selinux'],
    ['/data/../../../etc', '/etc', 'system directory'],
    ['/srv/users/carol', '/srv/users/carol', 'home directory'],
    ['/srv/users', '/srv/users', 'contains home directory /srv/users/carol'],
  ])('%j is refused for z and Z', (hostPath, normalised, rule) => {
    for (const mode of ['z', 'Z'] as const) {
      const e = volumeError(() => prepareVolumes([vol('/ok', 'z'), vol(hostPath, mode)], HOST, ['/srv/users/carol']));
      expect(e.message).toBe(`SELinux relabeling of ${normalised} is not allowed`);
      expect(e.protectedPath).toBe(normalised);
      expect(e.field).toBe('host_path');
      expect(e.index).toBe(1);
      expect(e.rule).toBe(rule);
    }
  });

  it.each(['/home/alice/data', '/var/lib/mydata', '/srv/data', '/data', '/etc/myapp', '/srv/users/carol/x'])(
    '%j may be relabelled',
    (hostPath) => {
      const { claims } = prepareVolumes([vol(hostPath, 'Z')], HOST, ['/srv/users/carol']);
      expect(claims).toEqual([{ scope: `h:${HOST}`, path: hostPath, mode: 'Z' }]);
    },
  );

  it.each(['/', '/usr', '/usr/lib', '/etc/passwd', '/home/alice', '/proc/1'])(
    'mode "" never relabels, so %j is allowed and claims nothing',
    (hostPath) => {
      expect(prepareVolumes([vol(hostPath, '', { readOnly: true })], HOST).claims).toEqual([]);
    },
  );
});

describe('prepareVolumes: conflicts and claims', () => {
  it.each<[string, VolumeRequest[], number, string]>([
    [
      'same path with z then Z',
      [vol('/data', 'z'), vol('/data', 'Z')],
      1,
      'volumes[1].host_path: is also requested with mode "z" by volumes[0]',
    ],
    [
      'same path with Z then z, spelled differently',
      [vol('/other', 'z'), vol('/data/', 'Z'), vol('//data/.', 'z')],
      2,
      'volumes[2].host_path: is also requested with mode "Z" by volumes[1]',
    ],
    [
      'same path, read-only does not matter',
      [vol('/data', 'Z', { readOnly: true }), vol('/data', 'z')],
      1,
      'is also requested with mode "Z" by volumes[0]',
    ],
    [
      'a Z path inside a z path',
      [vol('/data', 'z'), vol('/data/private', 'Z')],
      1,
      'volumes[1].host_path: is inside volumes[0] ("/data", mode "z") but requests mode "Z"',
    ],
    [
      'a z path containing a Z path',
      [vol('/data/private', 'Z'), vol('/data', 'z')],
      1,
      'volumes[1].host_path: contains volumes[0] ("/data/private", mode "Z") but requests mode "z"',
    ],
    ['deeply nested', [vol('/a', 'Z'), vol('/b', 'z'), vol('/a/b/c/d', 'z')], 2, 'is inside volumes[0] ("/a", mode "Z")'],
    [
      'same storage scope',
      [vol('/mnt/x/data', 'z', { storageId: 'pv-1' }), vol('/mnt/x/data/sub', 'Z', { storageId: 'pv-1' })],
      1,
      'is inside volumes[0]',
    ],
  ])('%s is refused', (_name, volumes, index, fragment) => {
    const e = volumeError(() => prepareVolumes(volumes, HOST));
    expect(e.index).toBe(index);
    expect(e.field).toBe('host_path');
    expect(e.protectedPath).toBeUndefined();
    expect(e.message).toContain(fragment);
  });

  it.each<[string, VolumeRequest[], { scope: string; path: string; mode: 'z' | 'Z' }[]]>([
    ['one z', [vol('/data', 'z')], [{ scope: 'h:node-1', path: '/data', mode: 'z' }]],
    ['one Z read-only', [vol('/data', 'Z', { readOnly: true })], [{ scope: 'h:node-1', path: '/data', mode: 'Z' }]],
    ['mode "" claims nothing', [vol('/data', '')], []],
    [
      'duplicates with the same mode give one claim',
      [vol('/data', 'Z'), vol('/data/', 'Z'), vol('//data', 'Z')],
      [{ scope: 'h:node-1', path: '/data', mode: 'Z' }],
    ],
    [
      'nested paths with the same mode are fine',
      [vol('/data', 'z'), vol('/data/sub', 'z'), vol('/', '')],
      [
        { scope: 'h:node-1', path: '/data', mode: 'z' },
        { scope: 'h:node-1', path: '/data/sub', mode: 'z' },
      ],
    ],
    [
      'mode "" next to z and Z of the same path is no conflict',
      [vol('/data', ''), vol('/data/a', 'z'), vol('/data/a', ''), vol('/data/b', 'Z')],
      [
        { scope: 'h:node-1', path: '/data/a', mode: 'z' },
        { scope: 'h:node-1', path: '/data/b', mode: 'Z' },
      ],
    ],
    [
      'siblings with different modes are fine',
      [vol('/data/a', 'z'), vol('/data/b', 'Z'), vol('/data2', 'Z'), vol('/dat', 'z')],
      [
        { scope: 'h:node-1', path: '/data/a', mode: 'z' },
        { scope: 'h:node-1', path: '/data/b', mode: 'Z' },
        { scope: 'h:node-1', path: '/data2', mode: 'Z' },
        { scope: 'h:node-1', path: '/dat', mode: 'z' },
      ],
    ],
    [
      'storage scopes keep the same path apart',
      [
        vol('/mnt/vol', 'z', { storageId: 'pv-1' }),
        vol('/mnt/vol', 'Z', { storageId: 'pv-2' }),
        vol('/mnt/vol', 'Z'),
        vol('/mnt/vol/sub', 'z', { storageId: 'pv-1' }),
      ],
      [
        { scope: 's:pv-1', path: '/mnt/vol', mode: 'z' },
        { scope: 's:pv-2', path: '/mnt/vol', mode: 'Z' },
        { scope: 'h:node-1', path: '/mnt/vol', mode: 'Z' },
        { scope: 's:pv-1', path: '/mnt/vol/sub', mode: 'z' },
      ],
    ],
    [
      'a storage-scoped duplicate is one claim',
      [vol('/v', 'Z', { storageId: 'pv-1', readOnly: true }), vol('/v', 'Z', { storageId: 'pv-1', readOnly: true })],
      [{ scope: 's:pv-1', path: '/v', mode: 'Z' }],
    ],
  ])('%s', (_name, volumes, claims) => {
    expect(prepareVolumes(volumes, HOST).claims).toEqual(claims);
  });

  it.each([
    ['Z', [vol('/data', 'Z'), vol('/data/', 'Z', { readOnly: true })]],
    ['z', [vol('/data', 'z', { readOnly: true }), vol('/data', 'z')]],
  ])('refuses the same %s path read-only and read-write: the relabels would undo each other', (_mode, volumes) => {
    expect(() => prepareVolumes(volumes, HOST)).toThrow(/^volumes\[1\]\.read_only: differs from volumes\[0\]/);
  });

  it('the host names the scope of volumes without a storage id', () => {
    expect(prepareVolumes([vol('/data', 'z')], 'worker-7.example').claims).toEqual([
      { scope: 'h:worker-7.example', path: '/data', mode: 'z' },
    ]);
  });
});

describe('planVolumes', () => {
  const plan = (v: VolumeRequest) => planVolumes(prepareVolumes([v], HOST).volumes, LABELS)[0];

  it.each<[string, VolumeRequest, string]>([
    ['z', vol('/data', 'z'), LABELS.sharedLabel],
    ['z read-only', vol('/data', 'z', { readOnly: true }), LABELS.roSharedLabel],
    ['Z', vol('/data', 'Z'), LABELS.mountLabel],
    ['Z read-only', vol('/data', 'Z', { readOnly: true }), LABELS.roMountLabel],
  ])('%s relabels recursively to the right label', (_name, v, target) => {
    const action = plan(v);
    expect(action).toMatchObject({
      hostPath: '/data',
      action: 'RELABEL_RECURSIVE',
      targetLabel: target,
      command: ['chcon', '-R', target, '/data'],
      mountOption: `context="${target}"`,
    });
    expect(action?.reason).toContain(v.mode === 'z' ? 'shared' : 'private');
    expect(action?.reason).toContain(target);
  });

  it.each([false, true])('mode "" does nothing (read-only %s)', (readOnly) => {
    expect(plan(vol('/data', '', { readOnly, currentLabel: LABELS.mountLabel }))).toEqual({
      hostPath: '/data',
      action: 'NONE',
      targetLabel: '',
      command: [],
      mountOption: '',
      reason: 'no relabel requested (no z or Z)',
    });
  });

  it.each<[string, VolumeRequest, string]>([
    ['Z, identical text', vol('/data', 'Z', { currentLabel: LABELS.mountLabel }), LABELS.mountLabel],
    [
      'Z, categories in another order',
      vol('/data', 'Z', { currentLabel: 'system_u:object_r:container_file_t:s0:c200,c100' }),
      LABELS.mountLabel,
    ],
    [
      'Z, a degenerate range',
      vol('/data', 'Z', { currentLabel: 'system_u:object_r:container_file_t:s0:c100,c200-s0:c100,c200' }),
      LABELS.mountLabel,
    ],
    [
      'Z read-only',
      vol('/data', 'Z', { readOnly: true, currentLabel: 'system_u:object_r:container_ro_file_t:s0:c200,c100' }),
      LABELS.roMountLabel,
    ],
    ['z', vol('/data', 'z', { currentLabel: 'system_u:object_r:container_file_t:s0-s0' }), LABELS.sharedLabel],
    ['z read-only', vol('/data', 'z', { readOnly: true, currentLabel: LABELS.roSharedLabel }), LABELS.roSharedLabel],
  ])('SKIP when already labelled: %s', (_name, v, target) => {
    expect(plan(v)).toEqual({
      hostPath: '/data',
      action: 'SKIP',
      targetLabel: target,
      command: [],
      mountOption: `context="${target}"`,
      reason: `already labelled ${target}`,
    });
  });

  it.each<[string, VolumeRequest]>([
    ['other categories', vol('/data', 'Z', { currentLabel: 'system_u:object_r:container_file_t:s0:c100,c201' })],
    ['shared label for Z', vol('/data', 'Z', { currentLabel: LABELS.sharedLabel })],
    ['private label for z', vol('/data', 'z', { currentLabel: LABELS.mountLabel })],
    ['rw label for a read-only Z', vol('/data', 'Z', { readOnly: true, currentLabel: LABELS.mountLabel })],
    ['another type', vol('/data', 'z', { currentLabel: 'unconfined_u:object_r:user_home_t:s0' })],
    ['another user', vol('/data', 'z', { currentLabel: 'unconfined_u:object_r:container_file_t:s0' })],
    ['a range', vol('/data', 'Z', { currentLabel: 'system_u:object_r:container_file_t:s0-s0:c100,c200' })],
  ])('relabels when the current label differs: %s', (_name, v) => {
    expect(plan(v)?.action).toBe('RELABEL_RECURSIVE');
  });

  it('plans every volume in order', () => {
    const { volumes } = prepareVolumes(
      [
        vol('/a/', 'z'),
        vol('/usr', ''),
        vol('/b', 'Z', { readOnly: true, currentLabel: 'system_u:object_r:container_ro_file_t:s0:c200,c100' }),
        vol('/a', 'z'),
      ],
      HOST,
    );
    const actions = planVolumes(volumes, LABELS);
    expect(actions.map((a) => [a.hostPath, a.action, a.targetLabel])).toEqual([
      ['/a', 'RELABEL_RECURSIVE', LABELS.sharedLabel],
      ['/usr', 'NONE', ''],
      ['/b', 'SKIP', LABELS.roMountLabel],
      ['/a', 'RELABEL_RECURSIVE', LABELS.sharedLabel],
    ]);
  });

  it('an invalid lease label throws LabelSyntaxError', () => {
    expect(() => planVolumes([vol('/a', 'z')], { ...LABELS, mountLabel: 'nope' })).toThrow(LabelSyntaxError);
  });

  it('property: the command and mount option always carry the target; SKIP exactly when canonically equal', () => {
    const cats = fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { maxLength: 3 });
    const label = fc
      .tuple(fc.constantFrom('container_file_t', 'container_ro_file_t'), cats)
      .map(([type, cs]) => `system_u:object_r:${type}:s0${cs.length ? `:${cs.map((c) => `c${c}`).join(',')}` : ''}`);
    const request = fc.record({
      hostPath: fc.constantFrom('/a', '/b/c', '/srv/data'),
      mode: fc.constantFrom<VolumeMode>('', 'z', 'Z'),
      readOnly: fc.boolean(),
      storageId: fc.constant(''),
      currentLabel: fc.oneof(fc.constant(''), label),
    });
    const labels = fc.record({ mountLabel: label, roMountLabel: label, sharedLabel: label, roSharedLabel: label });
    fc.assert(
      fc.property(request, labels, (v, ls) => {
        const [action] = planVolumes([v], ls);
        if (action === undefined) throw new Error('no action');
        expect(action.hostPath).toBe(v.hostPath);
        if (v.mode === '') {
          expect(action.action).toBe('NONE');
          return;
        }
        const target = v.mode === 'z' ? (v.readOnly ? ls.roSharedLabel : ls.sharedLabel) : v.readOnly ? ls.roMountLabel : ls.mountLabel;
        expect(action.targetLabel).toBe(target);
        expect(action.mountOption).toBe(`context="${target}"`);
        const sortedCats = (l: string) => l.split(':').slice(4).join(':').split(',').sort().join(',');
        const same =
          v.currentLabel !== '' &&
          v.currentLabel.split(':').slice(0, 4).join(':') === target.split(':').slice(0, 4).join(':') &&
          sortedCats(v.currentLabel) === sortedCats(target);
        expect(action.action).toBe(same ? 'SKIP' : 'RELABEL_RECURSIVE');
        expect(action.command).toEqual(same ? [] : ['chcon', '-R', target, v.hostPath]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('prepareVolumes properties', () => {
  const path = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((segs) => `/data/${segs.join('/')}`);
  const request = fc.array(
    fc.record({
      hostPath: path,
      mode: fc.constantFrom<VolumeMode>('', 'z', 'Z'),
      readOnly: fc.boolean(),
      storageId: fc.constantFrom('', 'pv-1', 'pv-2'),
      currentLabel: fc.constant(''),
    }),
    { maxLength: 6 },
  );

  it('accepted requests have no overlapping z/Z pair nor a path both read-only and read-write in one scope; claims are the distinct relabelled paths', () => {
    fc.assert(
      fc.property(request, (volumes) => {
        const scopeOf = (v: VolumeRequest) => (v.storageId !== '' ? `s:${v.storageId}` : `h:${HOST}`);
        const relabelled = volumes.filter((v) => v.mode !== '');
        const overlaps = (p: string, q: string) => p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`);
        const conflict = relabelled.some((v, i) =>
          relabelled
            .slice(0, i)
            .some(
              (w) =>
                scopeOf(w) === scopeOf(v) &&
                ((w.mode !== v.mode && overlaps(w.hostPath, v.hostPath)) || (w.hostPath === v.hostPath && w.readOnly !== v.readOnly)),
            ),
        );
        let result;
        try {
          result = prepareVolumes(volumes, HOST);
        } catch (e) {
          expect(e).toBeInstanceOf(VolumeError);
          expect(conflict).toBe(true);
          return;
        }
        expect(conflict).toBe(false);
        const expected = new Map<string, { scope: string; path: string; mode: 'z' | 'Z' }>();
        for (const v of relabelled) {
          const key = `${scopeOf(v)} ${v.hostPath}`;
          if (!expected.has(key)) expected.set(key, { scope: scopeOf(v), path: v.hostPath, mode: v.mode as 'z' | 'Z' });
        }
        expect(result.claims).toEqual([...expected.values()]);
        expect(result.volumes).toEqual(volumes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('prepareVolumes: depth bounds', () => {
  const v = (hostPath: string) => ({ hostPath, mode: 'Z' as const, readOnly: false, storageId: '', currentLabel: '' });
  it('counts segments', () => {
    expect(['/', '/a', '/a/b', '/var/lib/kubelet/pods/u/volumes/k/n'].map(segmentCount)).toEqual([0, 1, 2, 8]);
  });

  it('refuses a relabelled path deeper than MAX_RELABEL_DEPTH, and a request past MAX_RELABEL_SEGMENTS', () => {
    const deep = '/d' + '/x'.repeat(MAX_RELABEL_DEPTH);
    expect(() => prepareVolumes([v(deep)], 'h')).toThrow(
      `volumes[0].host_path: has ${MAX_RELABEL_DEPTH + 1} segments; a relabelled path may have at most ${MAX_RELABEL_DEPTH}`,
    );
    expect(prepareVolumes([{ ...v(deep), mode: '' }], 'h').claims).toEqual([]);
    const many = Array.from({ length: 17 }, (_, i) => v(`/p${i}` + '/x'.repeat(MAX_RELABEL_DEPTH - 1)));
    expect(() => prepareVolumes(many, 'h')).toThrow(
      `volumes[16].host_path: takes the relabelled paths of the request past ${MAX_RELABEL_SEGMENTS} segments in all`,
    );
    expect(prepareVolumes(many.slice(0, 16), 'h').claims).toHaveLength(16);
  });

  it('claims a path through a system link by its target', () => {
    expect(prepareVolumes([v('/var/run/app/data')], 'h').claims).toEqual([{ scope: 'h:h', path: '/run/app/data', mode: 'Z' }]);
    expect(prepareVolumes([v('/var/run/app/data')], 'h').volumes[0]!.hostPath).toBe('/var/run/app/data');
  });
});
