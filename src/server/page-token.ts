/**
 * Page tokens are opaque to clients: base64url of the listing cursor (host
 * and slot of the last lease seen), the host filter it belongs to, and
 * whether it lists held pairs.
 */
import type { ListCursor } from '../store/lease-store.js';
import { invalidArgument } from './errors.js';
import { LIMITS } from './validation.js';

export function encodePageToken(cursor: ListCursor, filter: string, held = false): string {
  return Buffer.from(JSON.stringify({ v: 1, f: filter, h: cursor.host, s: cursor.slot, ...(held ? { held: 1 } : {}) })).toString(
    'base64url',
  );
}

export function decodePageToken(token: string, filter: string, held = false): ListCursor | undefined {
  if (token === '') return undefined;
  const foreign = () => invalidArgument('page_token', 'is not a token this service issued');
  if (token.length > LIMITS.pageToken) throw foreign();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw foreign();
  }
  const p = parsed as { v?: unknown; f?: unknown; h?: unknown; s?: unknown; held?: unknown };
  if (p?.v !== 1 || typeof p.f !== 'string' || typeof p.h !== 'string' || !Number.isSafeInteger(p.s)) throw foreign();
  if ((p.held === 1) !== held)
    throw invalidArgument('page_token', `was issued for a listing of ${held ? 'leases, not held pairs' : 'held pairs, not leases'}`);
  if (p.f !== filter) {
    throw invalidArgument('page_token', 'was issued for a different host filter (AIP-158: keep the other fields unchanged)');
  }
  // A listing of one host continues within that host: a token naming
  // another one was not issued for this listing.
  if (filter !== '' && p.h !== filter) throw foreign();
  return { host: p.h, slot: p.s as number };
}
