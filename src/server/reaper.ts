import type { Logger } from 'pino';
import type { Lease, LeaseStore } from '../store/lease-store.js';

const BATCH = 500;

/**
 * Returns expired leases' pairs to the pool. Every replica runs one; the
 * reap script is atomic, so each lease is reclaimed exactly once however
 * many reapers race. Expiry lives in a sorted set rather than Redis key
 * expiry, whose events can be lost.
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Leases this replica reclaimed since it started. */
  reaped = 0;

  constructor(
    private readonly store: LeaseStore,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly onReaped: (lease: Lease) => void = () => {},
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Reclaims everything that is due, in batches so no single script runs long. */
  async sweep(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const batch = await this.store.reap(BATCH, { timeoutMs: this.timeoutMs });
        for (const lease of batch) {
          this.log.info(
            { method: 'Reap', outcome: 'expired', leaseId: lease.id, host: lease.host, workloadId: lease.workloadId, level: lease.level },
            'lease expired',
          );
          this.onReaped(lease);
        }
        total += batch.length;
        this.reaped += batch.length;
        if (batch.length < BATCH) break;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'reaper: sweep failed; retrying next interval');
    }
    return total;
  }
}
