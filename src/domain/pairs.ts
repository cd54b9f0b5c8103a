import { type CategoryRange, MAX_CATEGORY, MAX_SENSITIVITY } from './categories.js';
import type { Level } from './level.js';

/** Number of unordered pairs of n categories: n(n-1)/2. */
export function pairCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`pair count needs a non-negative integer, got ${String(n)}`);
  // n < 2 is special-cased so 0 and 1 give +0 rather than -0 (0 * -1 / 2).
  return n < 2 ? 0 : (n * (n - 1)) / 2;
}

/** Number of pairs whose upper offset is below j, i.e. the rank of offsets (0, j). */
function triangle(j: number): number {
  return (j * (j - 1)) / 2;
}

/**
 * The set of category pairs {a, b} (a < b) inside a pool range, numbered
 * densely 0..size-1 by the combinatorial number system:
 *
 *   rank = j(j-1)/2 + i   where i = a - low, j = b - low
 *
 * The formula is a contract: a Lua script in Redis computes the same ranks,
 * so both sides must agree bit for bit. Ordering by j first means the pairs
 * of a smaller pool are a prefix of a larger pool with the same low.
 */
export class PairSpace {
  readonly size: number;
  private readonly n: number;

  constructor(readonly range: CategoryRange) {
    const { low, high } = range;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high > MAX_CATEGORY || low >= high) {
      throw new RangeError(`pair space needs integers 0 <= low < high <= ${MAX_CATEGORY}, got c${String(low)}.c${String(high)}`);
    }
    this.n = high - low + 1;
    this.size = pairCount(this.n);
  }

  rank(a: number, b: number): number {
    const { low, high } = this.range;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < low || b > high || a >= b) {
      throw new RangeError(`pair (${String(a)}, ${String(b)}) is not a < b inside c${low}.c${high}`);
    }
    return triangle(b - low) + (a - low);
  }

  unrank(rank: number): readonly [number, number] {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.size) {
      throw new RangeError(`rank ${String(rank)} is not an integer in 0..${this.size - 1}`);
    }
    // j is the largest integer with j(j-1)/2 <= rank. The closed form gives it
    // up to floating-point error; the integer-only loops below make the answer
    // exact whatever sqrt returned (they run at most once in practice).
    let j = Math.floor((1 + Math.sqrt(1 + 8 * rank)) / 2);
    while (j > 1 && triangle(j) > rank) j--;
    while (triangle(j + 1) <= rank) j++;
    const i = rank - triangle(j);
    return [this.range.low + i, this.range.low + j];
  }

  /** The level a lease of this rank carries, `s<sensitivity>:cA,cB`. */
  levelOf(rank: number, sensitivity = 0): Level {
    if (!Number.isInteger(sensitivity) || sensitivity < 0 || sensitivity > MAX_SENSITIVITY) {
      throw new RangeError(`sensitivity ${String(sensitivity)} is not an integer in 0..${MAX_SENSITIVITY}`);
    }
    const [a, b] = this.unrank(rank);
    return { sensitivity, categories: [a, b] };
  }

  /**
   * Rank of a level that names exactly one pair of this space, else undefined.
   * Sensitivity is ignored: the pool only partitions categories.
   */
  rankOfLevel(level: Level): number | undefined {
    if (level.categories.length !== 2) return undefined;
    const [a, b] = level.categories as readonly [number, number];
    const { low, high } = this.range;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < low || b > high || a >= b) return undefined;
    return this.rank(a, b);
  }
}
