/**
 * Lexical host-path handling for volume relabelling. Nothing here touches the
 * file system: the service never sees the host's disk, so paths are judged by
 * their text alone. Symlinks are therefore NOT resolved; a runtime that acts on
 * a plan must resolve them itself (and re-check) before it runs chcon.
 */

/** PATH_MAX on Linux, counted in UTF-8 bytes including nothing else. */
export const MAX_PATH_LENGTH = 4096;

/**
 * A host path that breaks a rule. Like LabelSyntaxError, the message names the
 * rule only (`must be absolute`); callers know which request field they passed
 * in and prefix that themselves.
 */
export class PathError extends Error {
  override readonly name = 'PathError';

  constructor(message: string) {
    super(message);
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what paths may not hold
const CONTROL = /[\u0000-\u001f\u007f]/;
// A UTF-16 surrogate not paired with its other half has no UTF-8 encoding, so
// such a string cannot name any file.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 length of a string without lone surrogates. */
function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      // A high surrogate starts a 4-byte sequence; skip its low half.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Validates a host path and normalises it lexically.
 *
 * Refused (PathError): the empty string (`is empty`), more than
 * MAX_PATH_LENGTH UTF-8 bytes before normalisation (`is longer than 4096
 * bytes`), a NUL (`contains a NUL byte`), any other C0 control character or
 * DEL (`contains a control character`), an unpaired UTF-16 surrogate
 * (`is not valid Unicode`), and anything not starting with `/` (`must be
 * absolute`).
 *
 * Normalisation collapses repeated slashes, drops `.` segments, lets `..`
 * remove the segment before it (`..` at the root stays at the root, as the
 * kernel does: `/../a` is `/a`) and removes a trailing slash except for `/`
 * itself. The result is a fixed point: normalising it again returns it.
 */
export function normalizePath(path: string): string {
  if (path === '') throw new PathError('is empty');
  // UTF-8 never uses fewer bytes than UTF-16 code units, so an over-long
  // string is refused before any per-character work.
  if (path.length > MAX_PATH_LENGTH || utf8Length(path) > MAX_PATH_LENGTH) {
    throw new PathError(`is longer than ${MAX_PATH_LENGTH} bytes`);
  }
  if (path.includes('\u0000')) throw new PathError('contains a NUL byte');
  if (CONTROL.test(path)) throw new PathError('contains a control character');
  if (LONE_SURROGATE.test(path)) throw new PathError('is not valid Unicode');
  if (!path.startsWith('/')) throw new PathError('must be absolute');

  const stack: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') stack.pop();
    else stack.push(segment);
  }
  return `/${stack.join('/')}`;
}

/**
 * True when `path` is `ancestor` or lies below it, segment-wise: `/data2` is
 * not within `/data`, and every path is within `/`. Both arguments must
 * already be normalised (normalizePath); nothing is normalised here.
 */
export function isWithin(path: string, ancestor: string): boolean {
  if (ancestor === '/') return path.startsWith('/');
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Either path contains the other (both normalised). */
export function pathsOverlap(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a);
}

/** `/a/b/c` → `['/', '/a', '/a/b', '/a/b/c']`: root first, the path itself last. */
export function ancestors(path: string): string[] {
  const out = ['/'];
  if (path === '/') return out;
  let end = path.indexOf('/', 1);
  while (end !== -1) {
    out.push(path.slice(0, end));
    end = path.indexOf('/', end + 1);
  }
  out.push(path);
  return out;
}

/**
 * Paths never relabelled themselves (their subdirectories may be).
 *
 * The first 24 entries are go-selinux's list, verbatim: opencontainers/selinux
 * `exclude_paths` (added in PRs #30 and #41, in `label.Relabel` in
 * go-selinux/label/label_selinux.go, later label_linux.go, and moved into
 * `chcon` in go-selinux/selinux_linux.go by PR #181). That list has no
 * `/etc/selinux`; here `/etc/selinux` is a protected subtree instead (below).
 * The entries after it are additions of ours, in the same spirit:
 * `/mnt` (the other mount-point parent beside `/media`), `/var/tmp` (the
 * persistent `/tmp`), `/var/home` (where Fedora Atomic/ostree systems keep
 * `/home`) and the account databases beside `/etc/passwd` and `/etc/shadow`.
 */
export const PROTECTED_EXACT: readonly string[] = Object.freeze([
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
  // Additions (not in go-selinux):
  '/mnt',
  '/var/tmp',
  '/var/home',
  '/etc/group',
  '/etc/gshadow',
  '/run/lock',
]);

/**
 * Paths whose whole subtree is system content that is never a container
 * volume to relabel: the path itself and everything below it is refused.
 * Stricter than go-selinux, which refuses only the exact paths (and, since
 * opencontainers/selinux PR #180, deliberately allows anything under /usr).
 */
export const PROTECTED_TREES: readonly string[] = Object.freeze([
  '/usr',
  '/proc',
  '/sys',
  '/boot',
  '/dev',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/etc/selinux',
  '/etc/pki',
]);

/**
 * Well-known symlinks of current Linux systems and what they point to:
 * `/var/run` and `/var/lock` on every systemd distribution, and the
 * top-level binary and library directories on merged-/usr systems (Debian
 * 12, Fedora, RHEL 9, Arch, ...). The service never sees the host's disk,
 * so it applies them lexically: a path through one of them is judged, and
 * claimed, as the path it names (`/var/run/foo` is `/run/foo`).
 */
export const SYSTEM_LINKS: ReadonlyMap<string, string> = new Map([
  ['/var/run', '/run'],
  ['/var/lock', '/run/lock'],
  ['/bin', '/usr/bin'],
  ['/sbin', '/usr/sbin'],
  ['/lib', '/usr/lib'],
  ['/lib32', '/usr/lib32'],
  ['/lib64', '/usr/lib64'],
  ['/libx32', '/usr/libx32'],
  ['/usr/tmp', '/var/tmp'],
]);

/**
 * A normalised path with a leading SYSTEM_LINKS entry replaced by its
 * target (`/var/run/x` → `/run/x`); other paths are returned as they are.
 * A fixed point: no target starts with a link.
 */
export function throughSystemLinks(path: string): string {
  for (const [link, target] of SYSTEM_LINKS) {
    if (path === link) return target;
    if (path.startsWith(`${link}/`)) return target + path.slice(link.length);
  }
  return path;
}

/** Parents whose direct children are home directories. */
const HOME_PARENTS: readonly string[] = Object.freeze(['/home', '/var/home']);

const PROTECTED_FILES: ReadonlySet<string> = new Set(['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow']);
const EXACT: ReadonlySet<string> = new Set(PROTECTED_EXACT);

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/**
 * Protected-path rule for `:z` / `:Z` volumes. A recursive relabel of one of
 * these would give system or user content a container file type, breaking
 * every confined service that needs its real label, so it is refused (mode ''
 * volumes are never relabelled and never checked). For a normalised `path`,
 * returns the reason it may not be relabelled, or undefined when it may:
 *
 * 1. Exact paths (PROTECTED_EXACT): `/`, `/bin`, `/boot`, `/dev`, `/etc`,
 *    `/etc/passwd`, `/etc/pki`, `/etc/shadow`, `/home`, `/lib`, `/lib64`,
 *    `/media`, `/opt`, `/proc`, `/root`, `/run`, `/sbin`, `/srv`, `/sys`,
 *    `/tmp`, `/usr`, `/var`, `/var/lib`, `/var/log` (go-selinux's list), plus
 *    `/mnt`, `/var/tmp`, `/var/home`, `/etc/group`, `/etc/gshadow` →
 *    `system directory` (`system file` for the account files).
 *    Below them is allowed: `/var/lib/mydata`, `/srv/data`, `/etc/myapp`.
 * 2. Whole subtrees (PROTECTED_TREES): `/usr`, `/proc`, `/sys`, `/boot`,
 *    `/dev`, `/bin`, `/sbin`, `/lib`, `/lib64`, `/etc/selinux`, `/etc/pki` and
 *    everything below them → `system directory` for the root of the tree,
 *    `inside <tree>` below it (`/usr/lib/x` → `inside /usr`).
 * 3. Home directories, exactly: every direct child of `/home` or `/var/home`
 *    (`/home/alice`) and every configured `homeDirs` entry →
 *    `home directory`. Their subdirectories are allowed (`/home/alice/data`).
 * 4. Ancestors of a configured home directory (`/srv/users` when
 *    `/srv/users/alice` is configured): a recursive relabel would reach the
 *    home directory → `contains home directory <home>`.
 *
 * The check is lexical: `..`, `.` and repeated or trailing slashes are
 * normalised away first (so `/usr/` and `/a/../usr` are `/usr`), and the
 * well-known system links of SYSTEM_LINKS are followed (`/var/run` is
 * `/run`: `system directory (/var/run is /run)`); other symlinks are not
 * resolved.
 *
 * `homeDirs` entries are normalised here; one that is not a valid absolute
 * path throws PathError (a configuration error, not a request error).
 */
export function protectionOf(path: string, homeDirs: readonly string[] = []): string | undefined {
  const own = lexicalProtection(path, homeDirs);
  if (own !== undefined) return own;
  const target = throughSystemLinks(path);
  if (target === path) return undefined;
  const reason = lexicalProtection(target, homeDirs);
  return reason === undefined ? undefined : `${reason} (${path} is ${target})`;
}

function lexicalProtection(path: string, homeDirs: readonly string[]): string | undefined {
  if (EXACT.has(path)) return PROTECTED_FILES.has(path) ? 'system file' : 'system directory';
  for (const tree of PROTECTED_TREES) {
    if (path === tree) return 'system directory';
    if (isWithin(path, tree)) return `inside ${tree}`;
  }
  if (path !== '/' && HOME_PARENTS.includes(parentOf(path))) return 'home directory';
  const homes = homeDirs.map(normalizePath);
  if (homes.includes(path)) return 'home directory';
  for (const home of homes) {
    if (isWithin(home, path)) return `contains home directory ${home}`;
  }
  return undefined;
}
