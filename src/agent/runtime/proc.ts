import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether the process a runtime names for a running container really is
 * that container's process. Podman learns of a container's death only from
 * the exit file conmon writes; with conmon killed it reports "running"
 * forever, with the pid of a process that is long gone (or reused).
 *
 * alive: /proc/<pid> exists, is not a zombie, and its cgroup path names the
 * container id (runtimes put the id in the cgroup name: libpod-<id>,
 * crio-<id>, cri-containerd-<id>, or a cgroupfs path ending in the id).
 * gone: no such process, a zombie, or a process in another cgroup (the pid
 * was reused). unknown: /proc cannot answer (not the host's pid namespace,
 * no permission), or the cgroup names no container at all (cgroups disabled
 * for the container), so the runtime's word stands.
 */
export type ProcessVerdict = 'alive' | 'gone' | 'unknown';

/** From the third field of /proc/<pid>/stat, after the parenthesised command. */
export function isZombieStat(stat: string): boolean {
  const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
  return state === 'Z' || state === 'X';
}

/** Reads /proc/<pid>/cgroup's text against a container id. */
export function cgroupVerdict(cgroupText: string, containerId: string): ProcessVerdict {
  if (cgroupText.includes(containerId)) return 'alive';
  // A process of some other container (a reused pid): its cgroup names a 64-hex id.
  if (/(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/.test(cgroupText)) return 'gone';
  // A host process in a plain cgroup: a reused pid too, unless the
  // container ran without a cgroup of its own. The caller cannot tell; keep
  // the runtime's word.
  return 'unknown';
}

/**
 * Reads /proc synchronously: two small reads of a pseudo-filesystem cost a
 * few microseconds, far less than a round trip through libuv's thread pool
 * (measured: 50 containers, about 45 ms of wall time async).
 */
export function processVerdict(pid: number, containerId: string, procRoot = '/proc'): ProcessVerdict {
  if (!Number.isInteger(pid) || pid <= 0) return 'unknown';
  const dir = join(procRoot, String(pid));
  try {
    if (isZombieStat(readFileSync(join(dir, 'stat'), 'utf8'))) return 'gone';
    return cgroupVerdict(readFileSync(join(dir, 'cgroup'), 'utf8'), containerId);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The process exited (between the two reads, too).
    return code === 'ENOENT' || code === 'ESRCH' ? 'gone' : 'unknown';
  }
}
