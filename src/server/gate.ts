/**
 * At most `limit` holders at once; the others wait in arrival order. A
 * waiter whose deadline passes leaves the queue with the caller's error.
 * Used to bound how much of the service's one event loop the expensive
 * calls (Reconcile) may take at once, whoever sends them.
 */
export class Gate {
  private active = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `fn` once a place is free; `timeoutMs` bounds the wait (not the run). */
  async run<T>(fn: () => Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    if (this.active >= this.limit) await this.wait(timeoutMs, onTimeout);
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The place passes straight to the next waiter.
      if (next) next.grant();
      else this.active -= 1;
    }
  }

  /** Callers waiting for a place now. */
  get queued(): number {
    return this.waiting.length;
  }

  private wait(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(onTimeout());
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }
}
