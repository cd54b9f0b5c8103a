import { randomBytes } from 'node:crypto';

/** Host names like a real fleet: node-001.cluster.example.com ... */
export function hostNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `node-${String(i + 1).padStart(3, '0')}.cluster.example.com`);
}

/**
 * Unique 64-hex workload ids (the shape of a container id): a random 52-hex
 * prefix per generator and a 12-hex counter, so ids never repeat within a
 * run and different generators do not collide.
 */
export class WorkloadIds {
  private readonly prefix = randomBytes(26).toString('hex');
  private n = 0;
  next(): string {
    return this.prefix + (this.n++).toString(16).padStart(12, '0');
  }
}

/** A request id like an AIP-155 client's: a UUID (36 characters). */
export function requestId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
