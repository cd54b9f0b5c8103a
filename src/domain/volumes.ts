import { formatContext, parseContext } from './context.js';
import { LabelSyntaxError, quote } from './errors.js';
import { PathError, isWithin, normalizePath, protectionOf, throughSystemLinks } from './paths.js';

/**
 * The SELinux suffix of a Podman/Docker volume: '' (leave the label alone),
 * 'z' (shared: relabel to the file type at s0, usable by every container) or
 * 'Z' (private: relabel to the file type at this lease's level).
 */
export type VolumeMode = '' | 'z' | 'Z';

export interface VolumeRequest {
  readonly hostPath: string;
  readonly mode: VolumeMode;
  readonly readOnly: boolean;
  /** Names the storage the path lives on (e.g. a CSI volume); '' when unset. */
  readonly storageId: string;
  /** The label the runtime sees on hostPath now; '' when unknown. */
  readonly currentLabel: string;
}

/**
 * A relabelled path a lease holds. `scope` is `s:<storageId>` when the volume
 * names its storage, else `h:<host>`: the same path on two hosts (or two
 * storages) is two different directories.
 */
export interface VolumeClaim {
  readonly scope: string;
  readonly path: string;
  readonly mode: 'z' | 'Z';
}

/**
 * A refused volume. The message is `volumes[<index>].<field>: <rule>`, except
 * for a protected path, where it is exactly go-selinux's
 * `SELinux relabeling of <path> is not allowed` (field 'host_path',
 * `protectedPath` set, `rule` holding the reason, e.g. `inside /usr`).
 * Callers map a protected path to FAILED_PRECONDITION, the rest to
 * INVALID_ARGUMENT.
 */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  readonly protectedPath?: string;

  constructor(
    readonly index: number,
    readonly field: string,
    readonly rule: string,
    protectedPath?: string,
  ) {
    super(protectedPath === undefined ? `volumes[${index}].${field}: ${rule}` : `SELinux relabeling of ${protectedPath} is not allowed`);
    if (protectedPath !== undefined) this.protectedPath = protectedPath;
  }
}

export const MAX_STORAGE_ID = 256;
/**
 * Segments of one relabelled path, and of all relabelled paths of one
 * request. The store checks each claim against the claims on its
 * ancestors, so deep paths cost Redis time; real volume paths have a
 * handful of segments (/var/lib/kubelet/pods/<uid>/volumes/<kind>/<name>
 * has eight).
 */
export const MAX_RELABEL_DEPTH = 64;
export const MAX_RELABEL_SEGMENTS = 1024;

/** Segments of a normalised path: `/` has none, `/a/b` two. */
export function segmentCount(path: string): number {
  if (path === '/') return 0;
  let n = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}
const STORAGE_ID = /^[\x21-\x7e]+$/;

function isRelabelMode(mode: VolumeMode): mode is 'z' | 'Z' {
  return mode === 'z' || mode === 'Z';
}

interface Relabel {
  readonly index: number;
  readonly scope: string;
  readonly path: string;
  readonly mode: 'z' | 'Z';
  readonly readOnly: boolean;
}

function describeOther(other: Relabel): string {
  return `volumes[${other.index}] (${quote(other.path)}, mode "${other.mode}")`;
}

/**
 * Validates the volumes of one request and lists the paths it relabels.
 *
 * Per volume, in order (the first failure throws VolumeError):
 * - `mode` must be '', 'z' or 'Z';
 * - `host_path` must pass normalizePath; the returned volume carries the
 *   normalised path;
 * - `storage_id` must be '' or 1..256 printable ASCII characters, no spaces;
 * - `current_label` must be '' or a valid context;
 * - a z/Z volume must not name a protected path (protectionOf), nor one of
 *   more than MAX_RELABEL_DEPTH segments, nor take the request's relabelled
 *   paths past MAX_RELABEL_SEGMENTS segments in all;
 * - a z/Z volume must agree with every earlier z/Z volume of the same scope:
 *   the same path with the other mode, or a path inside or containing one
 *   relabelled with the other mode, is refused (the second recursive relabel
 *   would silently undo part of the first).
 * Mode '' volumes never relabel, so they are neither protected-path checked
 * nor conflict checked. Duplicates with the same mode are fine.
 *
 * Claims: one per distinct (scope, path) of the z/Z volumes, in request order,
 * a path through a well-known system link named by its target (/var/run/x
 * claims /run/x).
 *
 * `homeDirs` are configured home directories (see protectionOf); an invalid
 * entry throws PathError.
 */
export function prepareVolumes(
  volumes: readonly VolumeRequest[],
  host: string,
  homeDirs: readonly string[] = [],
): { volumes: VolumeRequest[]; claims: VolumeClaim[] } {
  const homes = homeDirs.map(normalizePath);
  const prepared: VolumeRequest[] = [];
  const relabels: Relabel[] = [];
  const claims: VolumeClaim[] = [];
  let segments = 0;

  volumes.forEach((volume, index) => {
    const mode: unknown = volume.mode;
    if (mode !== '' && mode !== 'z' && mode !== 'Z') {
      const shown = typeof mode === 'string' ? quote(mode) : String(mode);
      throw new VolumeError(index, 'mode', `must be "", "z" or "Z", got ${shown}`);
    }

    let path: string;
    try {
      path = normalizePath(volume.hostPath);
    } catch (e) {
      if (e instanceof PathError) throw new VolumeError(index, 'host_path', e.message);
      throw e;
    }

    const storageId = volume.storageId;
    if (storageId !== '') {
      if (storageId.length > MAX_STORAGE_ID) {
        throw new VolumeError(index, 'storage_id', `is longer than ${MAX_STORAGE_ID} characters`);
      }
      if (!STORAGE_ID.test(storageId)) {
        throw new VolumeError(index, 'storage_id', `${quote(storageId)} must be printable ASCII without spaces`);
      }
    }

    if (volume.currentLabel !== '') {
      try {
        parseContext(volume.currentLabel);
      } catch (e) {
        if (e instanceof LabelSyntaxError) throw new VolumeError(index, 'current_label', e.message);
        throw e;
      }
    }

    prepared.push({ ...volume, hostPath: path });
    if (!isRelabelMode(volume.mode)) return;

    const protection = protectionOf(path, homes);
    if (protection !== undefined) throw new VolumeError(index, 'host_path', protection, path);
    const depth = segmentCount(path);
    if (depth > MAX_RELABEL_DEPTH) {
      throw new VolumeError(index, 'host_path', `has ${depth} segments; a relabelled path may have at most ${MAX_RELABEL_DEPTH}`);
    }
    segments += depth;
    if (segments > MAX_RELABEL_SEGMENTS) {
      throw new VolumeError(index, 'host_path', `takes the relabelled paths of the request past ${MAX_RELABEL_SEGMENTS} segments in all`);
    }
    // Claims name the directory itself: /var/run/x and /run/x are one.
    path = throughSystemLinks(path);

    const scope = storageId !== '' ? `s:${storageId}` : `h:${host}`;
    let duplicate = false;
    for (const other of relabels) {
      if (other.scope !== scope) continue;
      if (other.path === path) {
        if (other.mode !== volume.mode) {
          throw new VolumeError(index, 'host_path', `is also requested with mode "${other.mode}" by volumes[${other.index}]`);
        }
        // Read-only and read-write volumes get different targets: relabelling
        // the same files twice would leave whichever ran last.
        if (other.readOnly !== volume.readOnly) {
          throw new VolumeError(
            index,
            'read_only',
            `differs from volumes[${other.index}] for the same path; its relabel would undo the other's`,
          );
        }
        duplicate = true;
      } else if (other.mode !== volume.mode) {
        if (isWithin(path, other.path)) {
          throw new VolumeError(index, 'host_path', `is inside ${describeOther(other)} but requests mode "${volume.mode}"`);
        }
        if (isWithin(other.path, path)) {
          throw new VolumeError(index, 'host_path', `contains ${describeOther(other)} but requests mode "${volume.mode}"`);
        }
      }
    }
    relabels.push({ index, scope, path, mode: volume.mode, readOnly: volume.readOnly });
    if (!duplicate) claims.push({ scope, path, mode: volume.mode });
  });

  return { volumes: prepared, claims };
}

export type VolumeActionKind = 'RELABEL_RECURSIVE' | 'SKIP' | 'NONE';

export interface VolumeAction {
  readonly hostPath: string;
  readonly action: VolumeActionKind;
  readonly targetLabel: string;
  /** argv for the runtime to run; empty unless action is RELABEL_RECURSIVE. */
  readonly command: readonly string[];
  /** Mount option labelling the mount without a walk (KEP-1710); '' for NONE. */
  readonly mountOption: string;
  readonly reason: string;
}

export interface LeaseLabels {
  /** File context at the lease level (private, read-write). */
  readonly mountLabel: string;
  /** Read-only file context at the lease level. */
  readonly roMountLabel: string;
  /** File context at s0, no categories (shared, read-write). */
  readonly sharedLabel: string;
  /** Read-only file context at s0, no categories. */
  readonly roSharedLabel: string;
}

function canonicalContext(text: string): string {
  return formatContext(parseContext(text));
}

/**
 * What the runtime should do for each prepared volume, in order:
 * - mode '' → NONE (no command, no mount option);
 * - 'z' → the shared label (read-only volumes: the read-only shared label);
 *   'Z' → the lease's label (read-only volumes: the read-only lease label);
 * - SKIP when the volume's currentLabel is canonically equal to the target
 *   (`s0:c200,c100` equals `s0:c100,c200`), else RELABEL_RECURSIVE with
 *   `chcon -R <target> <hostPath>`.
 * Both SKIP and RELABEL_RECURSIVE carry the mount option `context="<target>"`.
 *
 * Expects the output of prepareVolumes; a malformed label (in `labels` or a
 * volume) throws LabelSyntaxError.
 */
export function planVolumes(volumes: readonly VolumeRequest[], labels: LeaseLabels): VolumeAction[] {
  const canonical = {
    mountLabel: canonicalContext(labels.mountLabel),
    roMountLabel: canonicalContext(labels.roMountLabel),
    sharedLabel: canonicalContext(labels.sharedLabel),
    roSharedLabel: canonicalContext(labels.roSharedLabel),
  };

  return volumes.map((volume): VolumeAction => {
    const { hostPath, mode, readOnly } = volume;
    if (mode === '') {
      return {
        hostPath,
        action: 'NONE',
        targetLabel: '',
        command: [],
        mountOption: '',
        reason: 'no relabel requested (no z or Z)',
      };
    }
    let key: keyof LeaseLabels;
    if (mode === 'z') key = readOnly ? 'roSharedLabel' : 'sharedLabel';
    else if (mode === 'Z') key = readOnly ? 'roMountLabel' : 'mountLabel';
    else throw new RangeError(`volume mode ${quote(String(mode))} is not "", "z" or "Z"`);

    const target = labels[key];
    const mountOption = `context="${target}"`;
    if (volume.currentLabel !== '' && canonicalContext(volume.currentLabel) === canonical[key]) {
      return { hostPath, action: 'SKIP', targetLabel: target, command: [], mountOption, reason: `already labelled ${target}` };
    }
    const kind = mode === 'z' ? 'shared (z): every container may use it' : 'private (Z): only this lease may use it';
    return {
      hostPath,
      action: 'RELABEL_RECURSIVE',
      targetLabel: target,
      command: ['chcon', '-R', target, hostPath],
      mountOption,
      reason: `relabel ${readOnly ? 'read-only ' : ''}content to ${target}, ${kind}`,
    };
  });
}
