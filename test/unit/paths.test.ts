import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAX_PATH_LENGTH,
  PROTECTED_EXACT,
  PROTECTED_TREES,
  PathError,
  ancestors,
  isWithin,
  normalizePath,
  pathsOverlap,
  protectionOf,
  SYSTEM_LINKS,
  throughSystemLinks,
} from '../../src/domain/paths.js';
import { thrown } from '../support/throws.js';

const pathError = (fn: () => unknown): PathError => thrown(PathError, fn);

/**
 * Reference normaliser written differently from normalizePath (a stack over
 * segments): rewrite the text with regular expressions until nothing changes.
 */
function referenceNormalize(path: string): string {
  let p = `${path}/`;
  for (;;) {
    const next = p
      .replace(/\/{2,}/g, '/')
      .replace(/\/\.(?=\/)/g, '')
      .replace(/^\/\.\.(?=\/)/, '')
      .replace(/\/(?!\.\.\/)[^/]+\/\.\.(?=\/)/, '');
    if (next === p) break;
    p = next;
  }
  return p === '/' ? '/' : p.slice(0, -1);
}

describe('normalizePath: normalisation', () => {
  it.each<[string, string]>([
    ['/', '/'],
    ['//', '/'],
    ['///', '/'],
    ['/a', '/a'],
    ['/a/', '/a'],
    ['//a//b/', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../..', '/'],
    ['/..', '/'],
    ['/.', '/'],
    ['/./', '/'],
    ['/../a', '/a'],
    ['/a/b/..', '/a'],
    ['/a/b/../..', '/'],
    ['/a/b/../../..', '/'],
    ['/a/./././b/.', '/a/b'],
    ['/usr/', '/usr'],
    ['/usr//lib/', '/usr/lib'],
    ['/home/alice/../bob', '/home/bob'],
    ['/...', '/...'],
    ['/a/.../b', '/a/.../b'],
    ['/.a/..b/c.', '/.a/..b/c.'],
    ['/a b/c', '/a b/c'],
    ['/données/é', '/données/é'],
    ['/a\u{1f600}b', '/a\u{1f600}b'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
    expect(referenceNormalize(input)).toBe(expected);
  });
});

describe('normalizePath: refused', () => {
  it.each<[string, string]>([
    ['', 'is empty'],
    ['a', 'must be absolute'],
    ['data/x', 'must be absolute'],
    ['./data', 'must be absolute'],
    ['../data', 'must be absolute'],
    ['~/data', 'must be absolute'],
    [' /data', 'must be absolute'],
    ['\\data', 'must be absolute'],
    ['/a\u0000b', 'contains a NUL byte'],
    ['\u0000', 'contains a NUL byte'],
    ['/a\nb', 'contains a control character'],
    ['/a\rb', 'contains a control character'],
    ['/a\tb', 'contains a control character'],
    ['/a\u001bb', 'contains a control character'],
    ['/a\u001f', 'contains a control character'],
    ['/a\u007f', 'contains a control character'],
    ['a\n', 'contains a control character'],
    ['/a\ud800', 'is not valid Unicode'],
    ['/a\udc00b', 'is not valid Unicode'],
    [`/${'a'.repeat(MAX_PATH_LENGTH)}`, `is longer than ${MAX_PATH_LENGTH} bytes`],
    [`/${'é'.repeat(2048)}`, `is longer than ${MAX_PATH_LENGTH} bytes`],
    [`/${'\u{1f600}'.repeat(1024)}`, `is longer than ${MAX_PATH_LENGTH} bytes`],
    [`/${'/'.repeat(MAX_PATH_LENGTH)}`, `is longer than ${MAX_PATH_LENGTH} bytes`],
    [`/${'a'.repeat(1_000_000)}`, `is longer than ${MAX_PATH_LENGTH} bytes`],
  ])('%j: %s', (input, message) => {
    expect(pathError(() => normalizePath(input)).message).toBe(message);
  });

  it('the byte limit is inclusive and counts UTF-8 bytes before normalisation', () => {
    expect(normalizePath(`/${'a'.repeat(MAX_PATH_LENGTH - 1)}`)).toHaveLength(MAX_PATH_LENGTH);
    // 1 + 2 * 2047 + 1 = 4096 bytes in 2049 UTF-16 units.
    expect(normalizePath(`/${'é'.repeat(2047)}a`)).toBe(`/${'é'.repeat(2047)}a`);
    // 1 + 4 * 1023 + 3 = 4096 bytes.
    expect(normalizePath(`/${'\u{1f600}'.repeat(1023)}abc`)).toBe(`/${'\u{1f600}'.repeat(1023)}abc`);
    // Normalises to "/" but is 4097 bytes as sent.
    expect(pathError(() => normalizePath(`/${'./'.repeat(2048)}`)).message).toBe(`is longer than ${MAX_PATH_LENGTH} bytes`);
  });

  it('PathError has its name and a message naming only the rule', () => {
    const e = pathError(() => normalizePath('relative'));
    expect(e.name).toBe('PathError');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).not.toContain('host_path');
  });
});

describe('isWithin / pathsOverlap / ancestors', () => {
  it.each<[string, string, boolean]>([
    ['/data', '/data', true],
    ['/data/x', '/data', true],
    ['/data/x/y', '/data', true],
    ['/data2', '/data', false],
    ['/data', '/data2', false],
    ['/dat', '/data', false],
    ['/data', '/data/x', false],
    ['/', '/', true],
    ['/anything/at/all', '/', true],
    ['/', '/a', false],
    ['/a/b', '/a/bc', false],
    ['/a/bc', '/a/b', false],
  ])('isWithin(%j, %j) = %s', (path, ancestor, expected) => {
    expect(isWithin(path, ancestor)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['/data', '/data/x', true],
    ['/data/x', '/data', true],
    ['/data', '/data2', false],
    ['/a/b', '/a/c', false],
    ['/', '/x', true],
  ])('pathsOverlap(%j, %j) = %s', (a, b, expected) => {
    expect(pathsOverlap(a, b)).toBe(expected);
  });

  it.each<[string, string[]]>([
    ['/', ['/']],
    ['/a', ['/', '/a']],
    ['/a/b/c', ['/', '/a', '/a/b', '/a/b/c']],
    ['/home/alice/data', ['/', '/home', '/home/alice', '/home/alice/data']],
  ])('ancestors(%j)', (path, expected) => {
    expect(ancestors(path)).toEqual(expected);
  });
});

describe('protectionOf', () => {
  it.each<[string, string]>([
    // go-selinux's TestRelabel cases (/usr/ arrives normalised as /usr).
    ['/', 'system directory'],
    ['/etc', 'system directory'],
    ['/usr', 'system directory'],
    ['/etc/passwd', 'system file'],
    ['/etc/shadow', 'system file'],
    // The rest of go-selinux's exclude_paths.
    ['/bin', 'system directory'],
    ['/boot', 'system directory'],
    ['/dev', 'system directory'],
    ['/etc/pki', 'system directory'],
    ['/home', 'system directory'],
    ['/lib', 'system directory'],
    ['/lib64', 'system directory'],
    ['/media', 'system directory'],
    ['/opt', 'system directory'],
    ['/proc', 'system directory'],
    ['/root', 'system directory'],
    ['/run', 'system directory'],
    ['/sbin', 'system directory'],
    ['/srv', 'system directory'],
    ['/sys', 'system directory'],
    ['/tmp', 'system directory'],
    ['/var', 'system directory'],
    ['/var/lib', 'system directory'],
    ['/var/log', 'system directory'],
    // Our additions.
    ['/mnt', 'system directory'],
    ['/var/tmp', 'system directory'],
    ['/var/home', 'system directory'],
    ['/etc/group', 'system file'],
    ['/etc/gshadow', 'system file'],
    ['/etc/selinux', 'system directory'],
    // Whole subtrees.
    ['/usr/lib/x', 'inside /usr'],
    ['/usr/local/share/data', 'inside /usr'],
    ['/proc/self', 'inside /proc'],
    ['/sys/fs/selinux', 'inside /sys'],
    ['/boot/efi', 'inside /boot'],
    ['/dev/shm', 'inside /dev'],
    ['/bin/x', 'inside /bin'],
    ['/sbin/x', 'inside /sbin'],
    ['/lib/modules', 'inside /lib'],
    ['/lib64/x', 'inside /lib64'],
    ['/etc/selinux/targeted', 'inside /etc/selinux'],
    ['/etc/pki/tls', 'inside /etc/pki'],
    // Home directories, exactly.
    ['/home/alice', 'home directory'],
    ['/home/bob', 'home directory'],
    ['/var/home/alice', 'home directory'],
  ])('%j is refused: %s', (path, rule) => {
    expect(protectionOf(path)).toBe(rule);
  });

  it.each([
    '/home/alice/data',
    '/home/alice/data/deep',
    '/var/home/alice/data',
    '/var/lib/mydata',
    '/var/lib/containers/storage/volumes/x',
    '/var/log/myapp',
    '/srv/data',
    '/data',
    '/data2',
    '/etc/myapp',
    '/etc/passwd.d',
    '/etc/selinuxx',
    '/usrdata',
    '/opt/app',
    '/tmp/build',
    '/run/user/1000/x',
    '/mnt/disk',
    '/media/usb',
    '/root/data',
  ])('%j may be relabelled', (path) => {
    expect(protectionOf(path)).toBeUndefined();
  });

  it('configured home directories are refused exactly, their children allowed, their ancestors refused', () => {
    const homes = ['/srv/users/alice/', '//export//bob'];
    expect(protectionOf('/srv/users/alice', homes)).toBe('home directory');
    expect(protectionOf('/export/bob', homes)).toBe('home directory');
    expect(protectionOf('/srv/users/alice/data', homes)).toBeUndefined();
    expect(protectionOf('/srv/users', homes)).toBe('contains home directory /srv/users/alice');
    expect(protectionOf('/export', homes)).toBe('contains home directory /export/bob');
    expect(protectionOf('/srv/users2', homes)).toBeUndefined();
    expect(protectionOf('/srv/users', [])).toBeUndefined();
    expect(protectionOf('/srv', homes)).toBe('system directory');
  });

  it('an invalid configured home directory throws PathError', () => {
    expect(pathError(() => protectionOf('/data', ['home/alice'])).message).toBe('must be absolute');
  });

  it('go-selinux exclude_paths are all in PROTECTED_EXACT', () => {
    const goSelinux = [
      '/',
      '/bin',
      '/boot',
      '/dev',
      '/etc',
      '/etc/passwd',
      '/etc/pki',
      '/etc/shadow',
      '/home',
      '/lib',
      '/lib64',
      '/media',
      '/opt',
      '/proc',
      '/root',
      '/run',
      '/sbin',
      '/srv',
      '/sys',
      '/tmp',
      '/usr',
      '/var',
      '/var/lib',
      '/var/log',
    ];
    for (const p of goSelinux) expect(PROTECTED_EXACT).toContain(p);
    for (const p of [...PROTECTED_EXACT, ...PROTECTED_TREES]) expect(normalizePath(p)).toBe(p);
  });
});

// Paths built from awkward segments so `.`, `..` and extra slashes are common.
const segment = fc.constantFrom('a', 'b', 'usr', 'home', '.', '..', '...', '.a', 'a.', '..a', '', '', 'x y', 'é');
const messyPath = fc.array(fc.tuple(segment, fc.integer({ min: 1, max: 3 })), { maxLength: 12 }).chain((parts) =>
  fc.boolean().map((trailing) => {
    const body = parts.map(([s, slashes]) => '/'.repeat(slashes) + s).join('');
    return (body === '' ? '/' : body) + (trailing ? '/' : '');
  }),
);
const cleanPath = fc.array(fc.constantFrom('a', 'b', 'c', 'ab', 'data', 'x'), { maxLength: 5 }).map((segs) => `/${segs.join('/')}`);

describe('well-known system links', () => {
  it.each([
    ['/var/run', '/run'],
    ['/var/run/containers', '/run/containers'],
    ['/var/lock', '/run/lock'],
    ['/var/lock/x', '/run/lock/x'],
    ['/bin', '/usr/bin'],
    ['/lib64/ld.so', '/usr/lib64/ld.so'],
    ['/usr/tmp', '/var/tmp'],
    ['/var/running', '/var/running'],
    ['/binx', '/binx'],
    ['/run/x', '/run/x'],
    ['/', '/'],
  ])('%s -> %s', (path, target) => {
    expect(throughSystemLinks(path)).toBe(target);
  });

  it.each([
    ['/var/run', 'system directory (/var/run is /run)'],
    ['/var/lock', 'system directory (/var/lock is /run/lock)'],
    ['/run/lock', 'system directory'],
    ['/lib32', 'inside /usr (/lib32 is /usr/lib32)'],
    ['/libx32/a', 'inside /usr (/libx32/a is /usr/libx32/a)'],
    ['/usr/tmp', 'inside /usr'],
    ['/bin', 'system directory'],
  ])('%s is refused: %s', (path, reason) => {
    expect(protectionOf(path)).toBe(reason);
  });

  it.each(['/var/run/app', '/var/lock/app', '/var/runner'])('%s may be relabelled, as its target may', (path) => {
    expect(protectionOf(path)).toBeUndefined();
  });

  it('no target starts with a link: following them once is enough', () => {
    for (const target of SYSTEM_LINKS.values()) expect(throughSystemLinks(target)).toBe(target);
    fc.assert(
      fc.property(cleanPath, (p) => {
        const once = throughSystemLinks(p);
        expect(throughSystemLinks(once)).toBe(once);
      }),
    );
  });
});

describe('path properties', () => {
  it('normalizePath agrees with the regex reference implementation', () => {
    fc.assert(
      fc.property(messyPath, (p) => {
        expect(normalizePath(p)).toBe(referenceNormalize(p));
      }),
      { numRuns: 3000 },
    );
  });

  it('normalizePath is idempotent and its output has no //, /./, /../ or trailing /', () => {
    fc.assert(
      fc.property(messyPath, (p) => {
        const n = normalizePath(p);
        expect(normalizePath(n)).toBe(n);
        expect(n.startsWith('/')).toBe(true);
        expect(n).not.toContain('//');
        expect(`${n}/`).not.toContain('/./');
        expect(`${n}/`).not.toContain('/../');
        if (n !== '/') expect(n.endsWith('/')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary text either normalises to a fixed point or throws PathError', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('/', '.', 'a', '\u0000', '\n', '\u007f', 'é', ' '), maxLength: 30 }),
    );
    fc.assert(
      fc.property(text, (p) => {
        let n: string;
        try {
          n = normalizePath(p);
        } catch (e) {
          expect(e).toBeInstanceOf(PathError);
          return;
        }
        expect(normalizePath(n)).toBe(n);
        expect(n).toBe(referenceNormalize(p));
      }),
      { numRuns: 2000 },
    );
  });

  it('isWithin is reflexive, antisymmetric and transitive', () => {
    fc.assert(
      fc.property(cleanPath, cleanPath, cleanPath, (a, b, c) => {
        expect(isWithin(a, a)).toBe(true);
        if (isWithin(a, b) && isWithin(b, a)) expect(a).toBe(b);
        if (isWithin(a, b) && isWithin(b, c)) expect(isWithin(a, c)).toBe(true);
        expect(isWithin(a, '/')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('isWithin matches a segment-prefix definition', () => {
    fc.assert(
      fc.property(cleanPath, cleanPath, (a, b) => {
        const segs = (p: string) => p.split('/').filter((s) => s !== '');
        const sa = segs(a);
        const sb = segs(b);
        const expected = sb.length <= sa.length && sb.every((s, i) => sa[i] === s);
        expect(isWithin(a, b)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('pathsOverlap is symmetric', () => {
    fc.assert(
      fc.property(cleanPath, cleanPath, (a, b) => {
        expect(pathsOverlap(a, b)).toBe(pathsOverlap(b, a));
      }),
      { numRuns: 2000 },
    );
  });

  it('ancestors(p) all contain p, run from / to p, each one segment deeper', () => {
    fc.assert(
      fc.property(messyPath.map(normalizePath), (p) => {
        const as = ancestors(p);
        expect(as[0]).toBe('/');
        expect(as[as.length - 1]).toBe(p);
        for (const a of as) {
          expect(isWithin(p, a)).toBe(true);
          expect(normalizePath(a)).toBe(a);
        }
        for (let i = 1; i < as.length; i++) {
          const parent = as[i - 1] as string;
          const child = as[i] as string;
          expect(isWithin(child, parent)).toBe(true);
          expect(child).not.toBe(parent);
          expect(normalizePath(`${child}/..`)).toBe(parent);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('everything below a protected tree is protected; protection never depends on spelling', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTECTED_TREES), messyPath, (tree, rest) => {
        const p = normalizePath(`${tree}/${normalizePath(rest)}`);
        expect(protectionOf(p)).toBeDefined();
        expect(protectionOf(normalizePath(`${tree}//./x/..${normalizePath(rest)}/`))).toBe(protectionOf(p));
      }),
      { numRuns: 1000 },
    );
  });
});
