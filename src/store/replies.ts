import { LEASE_REPLY, leaseKindOf } from './contract.js';
import type { Claim, Lease } from './types.js';

/** A scalar of a script's reply as text: the scripts answer bulk strings and integers, nil as ''. */
export function replyText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return String(x);
  if (x == null) return '';
  throw new RangeError(`the script's reply has a ${Array.isArray(x) ? 'list' : typeof x} where text belongs`);
}

/** Where each field of a lease sits in a reply (contract.ts LEASE_REPLY). */
const AT = Object.fromEntries(LEASE_REPLY.map((name, i) => [name, i])) as Record<(typeof LEASE_REPLY)[number], number>;
export const LEASE_WIDTH = LEASE_REPLY.length;

function parseClaims(text: string): Claim[] {
  if (text === '') return [];
  return text.split('\n').map((entry) => {
    const [scope, path, mode] = entry.split('\0') as [string, string, 'z' | 'Z'];
    return { scope, path, mode };
  });
}

/** A lease from the LEASE_WIDTH fields of a reply, in LEASE_REPLY order. */
export function leaseFromFields(pool: string, f: readonly unknown[]): Lease {
  const str = (name: keyof typeof AT) => replyText(f[AT[name]]);
  const members = str('members').split(' ').filter(Boolean);
  const level = str('level');
  const [proc = '', mount = '', ro = ''] = str('labels').split('\t');
  return {
    id: str('id'),
    pool,
    kind: leaseKindOf(str('kind')),
    host: str('host'),
    workloadId: members[0] ?? '',
    members,
    level,
    fencingToken: str('token'),
    createdAt: Number(str('created')),
    expiresAt: Number(str('expires')),
    processLabel: `${proc}:${level}`,
    mountLabel: `${mount}:${level}`,
    roMountLabel: `${ro}:${level}`,
    claims: parseClaims(str('claims')),
    stableKey: str('stableKey'),
    heldUntil: Number(str('heldUntil') || '0'),
  };
}

/**
 * Reads a script reply front to back, as each script's header describes it
 * (the status code has been checked and skipped): plain values, leases of
 * LEASE_WIDTH fields, and the rest.
 */
export class ReplyReader {
  private at = 1;

  constructor(
    private readonly reply: readonly unknown[],
    private readonly pool: string,
  ) {}

  get done(): boolean {
    return this.at >= this.reply.length;
  }

  private take(): unknown {
    if (this.done) throw new RangeError(`the script's reply ended after ${this.reply.length} values`);
    return this.reply[this.at++];
  }

  str(): string {
    return replyText(this.take());
  }

  int(): number {
    return Number(this.take());
  }

  flag(): boolean {
    return this.take() === 1;
  }

  lease(): Lease {
    if (this.at + LEASE_WIDTH > this.reply.length) throw new RangeError("the script's reply ends inside a lease");
    const lease = leaseFromFields(this.pool, this.reply.slice(this.at, this.at + LEASE_WIDTH));
    this.at += LEASE_WIDTH;
    return lease;
  }

  /** Leases up to the end of the reply. */
  leases(): Lease[] {
    const out: Lease[] = [];
    while (!this.done) out.push(this.lease());
    return out;
  }

  /** The values left, as strings. */
  strings(): string[] {
    const out: string[] = [];
    while (!this.done) out.push(this.str());
    return out;
  }
}
