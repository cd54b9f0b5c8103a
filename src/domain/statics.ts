import type { CategoryRange } from './categories.js';
import { categoriesWithin, type Level } from './level.js';

/**
 * What a static level costs the pool. Under the MCS constraints no two live
 * levels may dominate one another, so a static level keeps out of random
 * allocation every pair it is comparable with:
 *   one category {a}: every pair containing a (n - 1 pairs of n categories);
 *   two categories: none but itself (it is a pair);
 *   k >= 3 categories: every pair inside it, k(k-1)/2.
 * The store blocks those pairs one by one, so the cost of granting (and
 * checking) a static level grows with this number; --max-static-pairs
 * bounds it before any work is done.
 */
export function coveredPairs(level: Level, pool: CategoryRange): number {
  const k = level.categories.length;
  if (k === 1) return pool.high - pool.low;
  if (k === 2 || k === 0) return 0;
  return (k * (k - 1)) / 2;
}

/**
 * A level of one or of three or more categories: it has no pair of its own,
 * and every later static level sharing a category is compared with it
 * (--host-static-quota bounds how many one host holds).
 */
export function isWideLevel(level: Level): boolean {
  return level.categories.length === 1 || level.categories.length > 2;
}

/** How a level a host reports running (Reconcile) would be leased again. */
export type ReportedKind =
  /** Two categories of the pool: its own pair. */
  | 'pair'
  /** Another level inside the pool: a static level. */
  | 'static'
  /** The pool's bare sensitivity: a disabled (privileged) label. */
  | 'disabled'
  /** Another sensitivity, or categories outside the pool: nothing this pool can lease. */
  | 'outside';

export function reportedKind(level: Level, pool: { readonly sensitivity: number; readonly categories: CategoryRange }): ReportedKind {
  if (level.sensitivity !== pool.sensitivity || !categoriesWithin(level, pool.categories)) return 'outside';
  const k = level.categories.length;
  return k === 0 ? 'disabled' : k === 2 ? 'pair' : 'static';
}
