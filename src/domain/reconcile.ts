/**
 * What Reconcile makes of one level a host reports: which kind of lease it
 * would be in this pool (its own pair, a static level, a disabled label),
 * how many pairs it keeps out of the pool, and whether the identity may
 * have it leased anew: what Allocate would refuse it is not restored
 * either (a lease it already holds is still kept).
 */
import { labelRefusal, type Grant } from './authz.js';
import type { CategoryRange } from './categories.js';
import type { Level } from './level.js';
import { coveredPairs, reportedKind } from './statics.js';

export type ReportedLevel =
  /** Another sensitivity, or categories outside the pool: nothing this pool can lease. */
  | { readonly kind: 'outside' }
  | {
      readonly kind: 'pair' | 'static' | 'disabled';
      /** Pairs of the pool a lease of it keeps out (coveredPairs). */
      readonly coveredPairs: number;
      /** Why the identity may not have it leased anew; undefined when it may. */
      readonly refusal?: string;
    };

export function classifyReported(
  level: Level,
  levelText: string,
  pool: { readonly sensitivity: number; readonly categories: CategoryRange },
  grant: Grant | undefined,
): ReportedLevel {
  const kind = reportedKind(level, pool);
  if (kind === 'outside') return { kind };
  const refusal = labelRefusal(grant, kind, level, levelText);
  return { kind, coveredPairs: coveredPairs(level, pool.categories), ...(refusal !== undefined ? { refusal } : {}) };
}
