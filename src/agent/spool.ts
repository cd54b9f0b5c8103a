/**
 * The durable spool of releases: what the agent owes the service. Each
 * entry is one file `<seq>.json` in `<state-dir>/spool/`, written to a
 * temporary name, fsynced, renamed into place and the directory fsynced, so
 * an entry the agent acknowledged (poststop returns once it is written)
 * survives a crash or a power cut, and a half-written one is never read.
 * An entry is deleted once the service answered its Release, or once a
 * Reconcile that began after it was written has settled the host.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { jsonObject } from './hook-protocol.js';

export const SPOOL_FORMAT = 1;

export type ReleaseCause = 'poststop' | 'died' | 'removed';

export interface SpoolEntry {
  readonly v: number;
  /** Orders the entries; increases across agent restarts. */
  readonly seq: number;
  readonly host: string;
  readonly workloadId: string;
  /** When known, only this lease is released (a newer lease of the same workload is left alone). */
  readonly leaseId?: string;
  readonly containerId?: string;
  readonly cause: ReleaseCause;
  /** ms since the epoch. */
  readonly queuedAt: number;
}

export class SpoolFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolFormatError';
  }
}

export function encodeEntry(e: SpoolEntry): string {
  return `${JSON.stringify(e)}\n`;
}

const CAUSES: readonly ReleaseCause[] = ['poststop', 'died', 'removed'];

/** Parses and checks one spool file's text. */
export function decodeEntry(text: string): SpoolEntry {
  const r = jsonObject(text, (what) => new SpoolFormatError(what));
  if (r.v !== SPOOL_FORMAT) throw new SpoolFormatError(`format ${JSON.stringify(r.v)} is not ${SPOOL_FORMAT}`);
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) throw new SpoolFormatError('seq is not a whole number');
  for (const f of ['host', 'workloadId'] as const)
    if (typeof r[f] !== 'string' || r[f] === '') throw new SpoolFormatError(`${f} is missing`);
  for (const f of ['leaseId', 'containerId'] as const)
    if (r[f] !== undefined && typeof r[f] !== 'string') throw new SpoolFormatError(`${f} is not a string`);
  if (!CAUSES.includes(r.cause as ReleaseCause)) throw new SpoolFormatError(`cause ${JSON.stringify(r.cause)} is unknown`);
  if (typeof r.queuedAt !== 'number' || !Number.isFinite(r.queuedAt)) throw new SpoolFormatError('queuedAt is not a number');
  return r as unknown as SpoolEntry;
}

export function entryFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.json`;
}

/** Retry delay after `failures` failed attempts: 0.2 s doubling up to 30 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(30_000, 200 * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

/** Writes a file so that after a crash it is either absent or whole. */
export function writeFileDurably(dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface SpoolProblem {
  readonly file: string;
  readonly error: string;
}

export class Spool {
  readonly dir: string;
  private readonly entries = new Map<number, SpoolEntry>();
  private nextSeq = 1;

  /** Opens (creating) the spool directory and reads what an earlier run left; unreadable files are moved aside and reported. */
  constructor(
    stateDir: string,
    readonly problems: SpoolProblem[] = [],
  ) {
    this.dir = join(stateDir, 'spool');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.')) {
        rmSync(join(this.dir, name), { force: true }); // a write that never finished
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const e = decodeEntry(readFileSync(join(this.dir, name), 'utf8'));
        this.entries.set(e.seq, e);
        this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
      } catch (err) {
        problems.push({ file: name, error: (err as Error).message });
        renameSync(join(this.dir, name), join(this.dir, `${name}.bad`));
      }
    }
  }

  /** The sequence number the next entry gets: entries below it were written before now. */
  get mark(): number {
    return this.nextSeq;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Writes the entry durably; returns once it is on disk. */
  add(fields: Omit<SpoolEntry, 'v' | 'seq'>): SpoolEntry {
    const entry: SpoolEntry = { v: SPOOL_FORMAT, seq: this.nextSeq++, ...fields };
    writeFileDurably(this.dir, entryFileName(entry.seq), encodeEntry(entry));
    this.entries.set(entry.seq, entry);
    return entry;
  }

  /** Oldest first. */
  list(): SpoolEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  remove(seq: number): void {
    if (!this.entries.delete(seq)) return;
    rmSync(join(this.dir, entryFileName(seq)), { force: true });
  }

  /** Drops every entry written before `mark` (a Reconcile that began after them settled them). */
  removeBefore(mark: number): number {
    let n = 0;
    for (const seq of [...this.entries.keys()]) {
      if (seq < mark) {
        this.remove(seq);
        n += 1;
      }
    }
    if (n > 0) fsyncDir(this.dir);
    return n;
  }
}
