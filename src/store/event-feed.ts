import type { Cluster, Redis } from 'ioredis';
import { eventLease, lastEventId, readEvents, type LeaseEventType } from './events.js';
import type { PoolKeys } from './keys.js';
import type { Lease } from './types.js';

/** A lease event, decoded: the lease as every other store call returns it. */
export interface DecodedLeaseEvent {
  readonly id: string;
  readonly type: LeaseEventType;
  readonly host: string;
  /** For RELEASED of one pod member: the member that left. */
  readonly workloadId: string;
  /** Milliseconds since the epoch (the Redis clock). */
  readonly at: number;
  readonly lease: Lease;
}

/**
 * One reader of a pool's lease events, on a connection of its own (a
 * blocking read holds it; the caller opens and closes it). It keeps its
 * place in the stream and resolves the contexts the events carry as
 * interned ids, so its callers never see the stream's record layout.
 */
export class EventFeed {
  /** Context prefixes by interned id: a pool has a handful of them. */
  private readonly labels = new Map<string, string>();
  private cursor: string | undefined;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: PoolKeys,
    private readonly pool: string,
    /** Resume after this event id; undefined: only events from now on. */
    after?: string,
  ) {
    this.cursor = after;
  }

  /** Where the feed stands: the id of the last event it read (or will start after). */
  async position(): Promise<string> {
    if (this.cursor === undefined) this.cursor = await lastEventId(this.redis, this.keys.events);
    return this.cursor;
  }

  /**
   * The next events (up to `count`), waiting up to `blockMs` for the first;
   * those of other hosts are skipped when `host` is given.
   */
  async next(opts: { blockMs: number; count: number; host?: string }): Promise<DecodedLeaseEvent[]> {
    const events = await readEvents(this.redis, this.keys.events, await this.position(), opts);
    const out: DecodedLeaseEvent[] = [];
    for (const e of events) {
      this.cursor = e.id;
      if (opts.host && e.host !== opts.host) continue;
      const lease = await eventLease(this.pool, e.fields, (id) => this.labelsOf(id));
      out.push({ id: e.id, type: e.type, host: e.host, workloadId: e.workloadId, at: e.at, lease });
    }
    return out;
  }

  private async labelsOf(id: string): Promise<string> {
    let text = this.labels.get(id);
    if (text === undefined) {
      text = (await this.redis.hget(this.keys.labels, `n:${id}`)) ?? '\t\t';
      this.labels.set(id, text);
    }
    return text;
  }
}
