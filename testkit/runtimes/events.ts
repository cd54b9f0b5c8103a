import type { ContainerRuntime, RuntimeEvent } from '../../src/agent/runtime/types.js';
import { waitUntil } from '../process.js';

/** Follows a runtime's watch() in the background and keeps every event for assertions. */
export class EventLog {
  readonly events: RuntimeEvent[] = [];
  private readonly controller = new AbortController();
  private failure: Error | undefined;
  readonly done: Promise<void>;

  constructor(runtime: ContainerRuntime) {
    this.done = (async () => {
      try {
        for await (const e of runtime.watch(this.controller.signal)) this.events.push(e);
      } catch (err) {
        this.failure = err as Error;
      }
    })();
  }

  of(id: string): RuntimeEvent[] {
    return this.events.filter((e) => e.id === id);
  }

  /** Waits (bounded) for the first event that matches; fails at once if the watch failed. */
  async waitFor(what: string, match: (e: RuntimeEvent) => boolean, timeoutMs = 15_000): Promise<RuntimeEvent> {
    return waitUntil(
      what,
      () => {
        if (this.failure) throw this.failure;
        return this.events.find(match);
      },
      timeoutMs,
    ).catch((err: unknown) => {
      const seen = this.events.map((e) => `${e.source} ${e.type} ${e.raw} ${e.name ?? e.id.slice(0, 12)}`).join('\n  ');
      throw new Error(`${(err as Error).message}\nevents seen:\n  ${seen}`);
    });
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
