/**
 * Hook records: the level precreate granted each workload through the
 * agent, one file per workload in `<state-dir>/workloads/`. They are how the
 * agent knows the level of a container on a host where the runtime reports
 * no process label (SELinux disabled in the kernel), and what it restores
 * when the service lost the lease (a Redis that restarted empty). A record
 * goes when its lease was released and no newer grant replaced it, or when
 * its workload is gone from the runtime.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { jsonObject } from './hook-protocol.js';
import type { HookRecord } from './plan.js';
import { writeFileDurably } from './spool.js';

export const RECORD_FORMAT = 1;

export function encodeRecord(r: HookRecord): string {
  return `${JSON.stringify({ v: RECORD_FORMAT, ...r })}\n`;
}

export function decodeRecord(text: string): HookRecord {
  const v = jsonObject(text, (what) => new Error(what));
  if (v.v !== RECORD_FORMAT) throw new Error('not a hook record of format 1');
  for (const f of ['workloadId', 'level', 'leaseId', 'fencingToken'] as const)
    if (typeof v[f] !== 'string') throw new Error(`${f} is missing`);
  if (v.containerId !== undefined && typeof v.containerId !== 'string') throw new Error('containerId is not a string');
  if (typeof v.grantedAt !== 'number') throw new Error('grantedAt is missing');
  const { v: _format, ...record } = v;
  return record as unknown as HookRecord;
}

/** Workload ids are up to 256 printable characters: the file name is their hash. */
export function recordFileName(workloadId: string): string {
  return `${createHash('sha256').update(workloadId).digest('hex').slice(0, 40)}.json`;
}

export class RecordStore {
  readonly dir: string;
  private readonly records = new Map<string, HookRecord>();

  constructor(
    stateDir: string,
    readonly problems: { file: string; error: string }[] = [],
  ) {
    this.dir = join(stateDir, 'workloads');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.')) {
        rmSync(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const r = decodeRecord(readFileSync(join(this.dir, name), 'utf8'));
        this.records.set(r.workloadId, r);
      } catch (err) {
        problems.push({ file: name, error: (err as Error).message });
        renameSync(join(this.dir, name), join(this.dir, `${name}.bad`));
      }
    }
  }

  get(workloadId: string): HookRecord | undefined {
    return this.records.get(workloadId);
  }

  all(): ReadonlyMap<string, HookRecord> {
    return this.records;
  }

  put(r: HookRecord, onError: (err: Error) => void): void {
    this.records.set(r.workloadId, r);
    setImmediate(() => {
      if (this.records.get(r.workloadId) !== r) return;
      try {
        writeFileDurably(this.dir, recordFileName(r.workloadId), encodeRecord(r));
      } catch (err) {
        onError(err as Error);
      }
    });
  }

  /** Removes the workload's record; with leaseId, only when it still names that lease. */
  delete(workloadId: string, leaseId?: string): void {
    const r = this.records.get(workloadId);
    if (!r || (leaseId !== undefined && r.leaseId !== leaseId)) return;
    this.records.delete(workloadId);
    rmSync(join(this.dir, recordFileName(workloadId)), { force: true });
  }
}
