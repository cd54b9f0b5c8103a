/**
 * What one reconcile call may cost, in pair operations: a workload counts
 * WORKLOAD_COST (writing its lease), a static level also the pairs it
 * covers (checking and blocking each, about 15 µs a pair). Batches keep
 * every call of a reconciliation short, however many workloads or however
 * wide their levels.
 */
export const RECONCILE_BATCH_COST = 1024;
export const RECONCILE_BATCH_WORKLOADS = 200;
const WORKLOAD_COST = 8;

/**
 * Consecutive batches of at most `count` workloads each costing at most
 * `budget` (a workload dearer than the budget goes alone).
 */
export function costBatches<T extends { coveredPairs: number }>(items: readonly T[], count: number, budget: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let cost = 0;
  for (const item of items) {
    const c = WORKLOAD_COST + item.coveredPairs;
    if (current.length > 0 && (current.length >= count || cost + c > budget)) {
      out.push(current);
      current = [];
      cost = 0;
    }
    current.push(item);
    cost += c;
  }
  if (current.length > 0) out.push(current);
  return out;
}
