import type { Cluster, Redis } from 'ioredis';
import { EVENT_LEASE, leaseKindOf } from './contract.js';
import type { Lease } from './types.js';

/**
 * Reading the pool's lease event stream (written by the scripts, see
 * scripts/includes/events.lua). Event ids are Redis stream ids: they grow
 * with every event, and a reader resumes after the last one it saw.
 */
export type LeaseEventType = 'ALLOCATED' | 'RELEASED' | 'EXPIRED' | 'RESTORED' | 'RENEWED' | 'HOLD_ENDED';

export interface LeaseEvent {
  readonly id: string;
  readonly type: LeaseEventType;
  readonly host: string;
  /** For RELEASED of one pod member: the member that left. */
  readonly workloadId: string;
  /** Milliseconds since the epoch, from the event id (the Redis clock). */
  readonly at: number;
  /** The lease in the stream's compact form (contract.ts EVENT_LEASE). */
  readonly fields: readonly string[];
}

const EVENT_ID = /^(\d{1,20})-(\d{1,20})$/;
const U64_MAX = 2n ** 64n - 1n;

/** A Redis stream id: two unsigned 64-bit numbers, e.g. "1795945327853-0". */
export function isEventId(text: string): boolean {
  const m = EVENT_ID.exec(text);
  return m !== null && BigInt(m[1]!) <= U64_MAX && BigInt(m[2]!) <= U64_MAX;
}

type StreamEntry = [id: string, fields: string[]];

function toEvent(id: string, flat: readonly string[]): LeaseEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  return {
    id,
    type: f.t as LeaseEventType,
    host: f.h ?? '',
    workloadId: f.w ?? '',
    at: Number(id.split('-')[0]),
    fields: JSON.parse(f.l ?? '[]') as string[],
  };
}

/** The id of the newest event, or "0-0" for an empty stream: where "only new events" starts. */
export async function lastEventId(redis: Redis | Cluster, key: string): Promise<string> {
  const newest = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
  return newest[0]?.[0] ?? '0-0';
}

/**
 * Events after `after`, waiting up to `blockMs` for the first one. Needs a
 * connection of its own: a blocking read holds it.
 */
export async function readEvents(
  redis: Redis | Cluster,
  key: string,
  after: string,
  opts: { blockMs: number; count: number },
): Promise<LeaseEvent[]> {
  const reply = await redis.xread('COUNT', opts.count, 'BLOCK', opts.blockMs, 'STREAMS', key, after);
  if (!reply) return [];
  return reply.flatMap(([, entries]) => entries.map(([id, fields]) => toEvent(id, fields)));
}

/** Where each field of an event's lease sits (contract.ts EVENT_LEASE). */
const AT = Object.fromEntries(EVENT_LEASE.map((name, i) => [name, i])) as Record<(typeof EVENT_LEASE)[number], number>;

/**
 * The lease an event carries. Its contexts are stored as an interned
 * labels id; `labels` turns one into "process\tmount\tro" prefixes (the
 * caller keeps a cache: a pool has a handful of them).
 */
export async function eventLease(pool: string, f: readonly string[], labels: (id: string) => Promise<string>): Promise<Lease> {
  const field = (name: keyof typeof AT) => f[AT[name]] ?? '';
  const [id, host, workloads, level, token, created, expires, labelsId, kind, claims] = [
    field('id'),
    field('host'),
    field('members'),
    field('level'),
    field('token'),
    field('created') || '0',
    field('expires') || '0',
    field('labels'),
    field('kind'),
    field('claims'),
  ];
  const held = field('held') === '1';
  const [proc = '', mount = '', ro = ''] = (await labels(labelsId)).split('\t');
  const members = workloads.split(' ').filter(Boolean);
  return {
    id,
    pool,
    kind: leaseKindOf(kind),
    host,
    workloadId: members[0] ?? '',
    members,
    level,
    fencingToken: token,
    createdAt: Number(created),
    expiresAt: Number(expires),
    processLabel: `${proc}:${level}`,
    mountLabel: `${mount}:${level}`,
    roMountLabel: `${ro}:${level}`,
    claims:
      claims === ''
        ? []
        : claims.split('\n').map((entry) => {
            const [scope, path, mode] = entry.split('\0') as [string, string, 'z' | 'Z'];
            return { scope, path, mode };
          }),
    stableKey: field('stableKey'),
    heldUntil: held ? Number(expires) : 0,
  };
}
