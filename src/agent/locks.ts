/**
 * Ordering inside the agent.
 *
 * KeyedLock runs the work on one workload one at a time: a precreate, the
 * release of a death event and a spooled release of the same workload never
 * overlap, so a release decided on old facts cannot end a lease granted in
 * the meantime.
 *
 * ReconcileGate keeps grants out of a Reconcile's blind spot. Reconcile
 * releases every lease of the host it is not told about, except those
 * granted after it began; a precreate whose Allocate lands between the
 * agent's reading of what runs and the Reconcile would lose its lease. So a
 * reconcile waits for the grants under way to finish and holds new ones
 * back until it has its answer (tens of milliseconds).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  get busyKeys(): number {
    return this.tails.size;
  }
}

export class ReconcileGate {
  private active = 0;
  private closed: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  /** A grant begins: waits while a reconcile holds the gate. Returns the function that ends it. */
  async enter(): Promise<() => void> {
    while (this.closed) await this.closed;
    this.active += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active -= 1;
      if (this.active === 0) this.idle?.();
    };
  }

  /** Runs fn with no grant under way and none starting. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.closed) await this.closed;
    let open!: () => void;
    this.closed = new Promise<void>((r) => (open = r));
    try {
      if (this.active > 0) await new Promise<void>((r) => (this.idle = r));
      this.idle = undefined;
      return await fn();
    } finally {
      this.closed = undefined;
      open();
    }
  }
}
