/**
 * An async iterable fed from callbacks (socket data, gRPC stream events,
 * timers). Values wait in order until read; fail() makes the next read
 * reject after the values already queued; end() finishes the iteration.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private hasError = false;

  constructor(private readonly onReturn?: () => void) {}

  get closed(): boolean {
    return this.done || this.hasError;
  }

  push(value: T): void {
    if (this.closed) return;
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w.resolve({ value, done: false });
    } else {
      this.values.push(value);
    }
  }

  end(): void {
    if (this.closed) return;
    this.done = true;
    this.settleWaiter();
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.hasError = true;
    this.error = error;
    this.settleWaiter();
  }

  private settleWaiter(): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    if (this.hasError) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.values.length > 0) return Promise.resolve({ value: this.values.shift() as T, done: false });
        if (this.hasError) return Promise.reject(this.error);
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
      },
      // A consumer leaving the loop early (break, throw) stops the producer.
      return: () => {
        this.end();
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
