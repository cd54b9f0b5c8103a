/**
 * Releases through the durable spool: every release the agent owes the
 * service (a poststop the service did not take at once, a death or removal
 * the runtime reported) is an entry of the spool, delivered oldest first,
 * retried with backoff until the service answers, kept across restarts.
 */
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { classify, type AllocatorClient, type CallError } from '../ctl/client.js';
import type { KeyedLock } from './locks.js';
import type { RecordStore } from './records.js';
import { retryDelayMs, type Spool, type SpoolEntry } from './spool.js';

export interface ReleaseContext {
  readonly client: AllocatorClient;
  readonly spool: Spool;
  readonly records: RecordStore;
  readonly locks: KeyedLock;
  readonly log: Logger;
  readonly host: string;
  /** Workloads the agent believes hold a lease (shared with the agent). */
  readonly leased: Map<string, string>;
  readonly stopped: () => boolean;
}

/** A release worth retrying: no server, or one that cannot reach Redis now. */
export function retryable(e: CallError): boolean {
  return e.unreachable || e.code === status.UNAVAILABLE || e.code === status.DEADLINE_EXCEEDED;
}

export class Releases {
  private readonly failures = new Map<number, { count: number; nextAt: number }>();
  private drainTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private drainAgain = false;

  constructor(private readonly c: ReleaseContext) {}

  /**
   * What the spool owes is tried once more for up to `ms` (a host shutting
   * down: its containers' last releases); the rest stays on disk.
   */
  async flush(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.c.spool.size > 0 && Date.now() < until) {
      const before = this.c.spool.size;
      for (const e of this.c.spool.list()) await this.c.locks.run(e.workloadId, () => this.deliver(e, Math.max(100, until - Date.now())));
      if (this.c.spool.size >= before) break; // the service does not take them now
    }
  }

  close(): void {
    clearTimeout(this.drainTimer);
  }

  enqueue(fields: Omit<SpoolEntry, 'v' | 'seq' | 'host' | 'queuedAt'> & { host?: string }): SpoolEntry {
    const entry = this.c.spool.add({ host: this.c.host, queuedAt: Date.now(), ...fields });
    this.c.log.debug({ seq: entry.seq, workloadId: entry.workloadId, leaseId: entry.leaseId, cause: entry.cause }, 'release spooled');
    this.drain();
    return entry;
  }

  /** Delivers the spooled releases that are due, oldest first. */
  drain(): void {
    if (this.c.stopped()) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    void (async () => {
      try {
        do {
          this.drainAgain = false;
          for (const e of this.c.spool.list()) {
            if (this.c.stopped()) return;
            if ((this.failures.get(e.seq)?.nextAt ?? 0) > Date.now()) continue;
            await this.c.locks.run(e.workloadId, () => this.deliver(e));
          }
        } while (this.drainAgain);
      } finally {
        this.draining = false;
        this.scheduleDrain();
      }
    })();
  }

  private scheduleDrain(): void {
    clearTimeout(this.drainTimer);
    const owed = new Set(this.c.spool.list().map((e) => e.seq));
    for (const seq of this.failures.keys()) if (!owed.has(seq)) this.failures.delete(seq); // settled by a reconcile
    if (this.c.stopped() || owed.size === 0) return;
    const next = Math.min(...this.c.spool.list().map((e) => this.failures.get(e.seq)?.nextAt ?? 0));
    this.drainTimer = setTimeout(() => this.drain(), Math.max(10, next - Date.now()));
  }

  /** One attempt at a spooled release; false when it stays in the spool. */
  private async deliver(e: SpoolEntry, timeoutMs?: number): Promise<boolean> {
    if (!this.c.spool.list().some((x) => x.seq === e.seq)) return true; // settled meanwhile
    try {
      const res = await this.c.client.Release(
        { lease_id: e.leaseId ?? '', host: e.host, workload_id: e.workloadId, fencing_token: '0' },
        { deadlineMs: timeoutMs },
      );
      this.settle(e);
      if (res.released) this.c.leased.delete(e.workloadId);
      this.c.log.info(
        { workloadId: e.workloadId, leaseId: e.leaseId, cause: e.cause, released: res.released, queuedMs: Date.now() - e.queuedAt },
        res.released ? 'lease released' : 'no lease to release',
      );
      return true;
    } catch (err) {
      const ce = classify(err, this.c.client.address);
      if (!retryable(ce)) {
        this.settle(e);
        this.c.log.error(
          { workloadId: e.workloadId, leaseId: e.leaseId, err: ce.describe() },
          'the service refused a release; dropped (the next reconcile settles the host)',
        );
        return true;
      }
      const f = this.failures.get(e.seq) ?? { count: 0, nextAt: 0 };
      f.count += 1;
      f.nextAt = Date.now() + retryDelayMs(f.count);
      this.failures.set(e.seq, f);
      if (f.count === 1 || f.count % 10 === 0)
        this.c.log.warn(
          { workloadId: e.workloadId, attempts: f.count, spooled: this.c.spool.size, err: ce.describe() },
          'release kept in the spool; retrying',
        );
      return false;
    }
  }

  private settle(e: SpoolEntry): void {
    this.c.spool.remove(e.seq);
    this.failures.delete(e.seq);
    this.forgetGrant(e);
  }

  /** After a release the service answered: the hook record goes unless a newer grant replaced it. */
  private forgetGrant(e: Pick<SpoolEntry, 'workloadId' | 'leaseId' | 'queuedAt'>): void {
    const record = this.c.records.get(e.workloadId);
    if (record && (e.leaseId ? record.leaseId === e.leaseId : record.grantedAt < e.queuedAt)) this.c.records.delete(e.workloadId);
  }

  /**
   * A release the service takes at once needs no spool: poststop tries it
   * first, for at most `fastMs`, and writes the spool entry (fsynced) only
   * when the service does not answer in that time. Either way nothing
   * acknowledged is lost, and the common case costs one call, no fsync.
   */
  async releaseOrSpool(fields: Omit<SpoolEntry, 'v' | 'seq' | 'queuedAt'>, fastMs: number): Promise<'released' | 'spooled'> {
    return this.c.locks.run(fields.workloadId, async () => {
      // Behind a release still owed for the workload, in order.
      if (this.c.spool.list().some((e) => e.workloadId === fields.workloadId)) {
        this.enqueue(fields);
        return 'spooled';
      }
      const queuedAt = Date.now();
      try {
        const res = await this.c.client.Release(
          { lease_id: fields.leaseId ?? '', host: fields.host, workload_id: fields.workloadId, fencing_token: '0' },
          { deadlineMs: fastMs },
        );
        this.forgetGrant({ ...fields, queuedAt });
        if (res.released) this.c.leased.delete(fields.workloadId);
        this.c.log.info(
          {
            workloadId: fields.workloadId,
            leaseId: fields.leaseId,
            cause: fields.cause,
            released: res.released,
            queuedMs: Date.now() - queuedAt,
          },
          res.released ? 'lease released' : 'no lease to release',
        );
        return 'released';
      } catch (err) {
        const ce = classify(err, this.c.client.address);
        if (!retryable(ce)) {
          this.c.log.error(
            { workloadId: fields.workloadId, leaseId: fields.leaseId, err: ce.describe() },
            'the service refused a release; dropped (the next reconcile settles the host)',
          );
          return 'released';
        }
        this.enqueue(fields);
        return 'spooled';
      }
    });
  }

  /**
   * Delivers what the spool still owes for one workload, before it is leased
   * again (the caller holds the workload's lock). Throws when the service
   * cannot take it now.
   */
  async settlePendingFor(workloadId: string): Promise<void> {
    for (const e of this.c.spool.list()) {
      if (e.workloadId !== workloadId) continue;
      if (!(await this.deliver(e))) throw new Error(`a release of ${workloadId} is still owed to the service`);
    }
  }
}
