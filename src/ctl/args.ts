/**
 * Parsing of mcsctl's argument values. Each parser throws UsageError with a
 * message naming the flag, so a bad value exits 2 before anything is sent.
 */
import type { Volume } from '../generated/mcs/v1/Volume.js';
import { UsageError } from './client.js';

/**
 * A volume as `PATH:z`, `PATH:Z`, `PATH:z:ro`, `PATH:Z:ro` (also `PATH` and
 * `PATH:ro`: no relabel). Options are read from the right, so a path may
 * itself contain ':' as long as it does not end in an option.
 */
export function parseVolume(spec: string, storageId = '', flag = '--volume'): Volume {
  const parts = spec.split(':');
  let mode = '';
  let readOnly = false;
  const seen = new Set<string>();
  while (parts.length > 1) {
    const last = parts[parts.length - 1]!;
    if (!['z', 'Z', 'ro', 'rw'].includes(last)) break;
    if (seen.has(last === 'Z' ? 'z' : last === 'rw' ? 'ro' : last)) {
      throw new UsageError(`${flag} ${JSON.stringify(spec)}: option ${last} given twice or with its opposite`);
    }
    seen.add(last === 'Z' ? 'z' : last === 'rw' ? 'ro' : last);
    if (last === 'z' || last === 'Z') mode = last;
    else readOnly = last === 'ro';
    parts.pop();
  }
  const hostPath = parts.join(':');
  if (hostPath === '') throw new UsageError(`${flag} ${JSON.stringify(spec)}: the host path is empty (expected PATH:z|Z[:ro])`);
  if (!hostPath.startsWith('/')) {
    throw new UsageError(`${flag} ${JSON.stringify(spec)}: the host path must be absolute (expected PATH:z|Z[:ro])`);
  }
  return { host_path: hostPath, mode, read_only: readOnly, storage_id: storageId };
}

/** A comma-separated list of volumes, as the io.mcs-allocator.volumes annotation carries it. */
export function parseVolumeList(list: string, storageId: string, what: string): Volume[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseVolume(s, storageId, what));
}

/** A whole number in [min, max]. */
export function parseInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a whole number`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}`);
  return n;
}

/** Seconds, possibly fractional (e.g. --timeout 0.5), strictly positive. */
export function parseSeconds(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a positive number of seconds`);
  }
  return n;
}

/** An unsigned 64-bit decimal (fencing tokens). */
export function parseUint64(flag: string, value: string): string {
  if (!/^\d{1,20}$/.test(value) || BigInt(value) > 18446744073709551615n) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not an unsigned 64-bit integer`);
  }
  return value;
}

/** true/false in the spellings an annotation may use. */
export function parseBoolean(what: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new UsageError(`${what}: ${JSON.stringify(value)} is not true or false`);
}
