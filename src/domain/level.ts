import { type CategoryRange, MAX_SENSITIVITY, formatCategorySet, parseCategorySet } from './categories.js';
import { LabelSyntaxError, checkLength, quote } from './errors.js';

/** An MLS level: one sensitivity plus a (possibly empty) sorted unique category set. */
export interface Level {
  readonly sensitivity: number;
  readonly categories: readonly number[];
}

/** An MLS range; high always dominates low. */
export interface LevelRange {
  readonly low: Level;
  readonly high: Level;
}

function parseSensitivity(token: string): number {
  if (token.length === 0) throw new LabelSyntaxError('sensitivity is empty');
  if (token[0] !== 's') {
    throw new LabelSyntaxError(`sensitivity ${quote(token)} must start with "s"`);
  }
  const digits = token.slice(1);
  if (digits.length === 0) throw new LabelSyntaxError(`sensitivity ${quote(token)} has no number`);
  if (!/^[0-9]+$/.test(digits)) {
    throw new LabelSyntaxError(`sensitivity ${quote(token)} must be "s" followed by digits only`);
  }
  if (digits.length > 1 && digits[0] === '0') {
    throw new LabelSyntaxError(`sensitivity ${quote(token)} has a leading zero`);
  }
  if (digits.length > 4 || Number(digits) > MAX_SENSITIVITY) {
    const shown = digits.length > 12 ? quote(token) : token;
    throw new LabelSyntaxError(`sensitivity ${shown} is above s${MAX_SENSITIVITY}`);
  }
  return Number(digits);
}

/** Parses one level (`s0`, `s0:c1,c2`). Ranges are refused, not silently cut. */
export function parseLevel(text: string): Level {
  checkLength('level', text);
  if (text.length === 0) throw new LabelSyntaxError('level is empty');
  if (text.includes('-')) {
    throw new LabelSyntaxError(`expected a single level but ${quote(text)} is a range`);
  }
  if (/\s/.test(text)) throw new LabelSyntaxError(`level ${quote(text)} contains whitespace`);
  const colon = text.indexOf(':');
  if (colon === -1) return { sensitivity: parseSensitivity(text), categories: [] };
  const sensitivity = parseSensitivity(text.slice(0, colon));
  const rest = text.slice(colon + 1);
  if (rest === '') {
    throw new LabelSyntaxError(`level ${quote(text)} has a ":" but no categories after it`);
  }
  return { sensitivity, categories: parseCategorySet(rest) };
}

export function formatLevel(l: Level): string {
  if (!Number.isInteger(l.sensitivity) || l.sensitivity < 0 || l.sensitivity > MAX_SENSITIVITY) {
    throw new RangeError(`sensitivity ${String(l.sensitivity)} is not an integer in 0..${MAX_SENSITIVITY}`);
  }
  if (l.categories.length === 0) return `s${l.sensitivity}`;
  return `s${l.sensitivity}:${formatCategorySet(l.categories)}`;
}

/** The one spelling of a level; the key we store and compare leases by. */
export function canonicalLevel(text: string): string {
  return formatLevel(parseLevel(text));
}

/** Parses `low` or `low-high`, rejecting a high that does not dominate low. */
export function parseMlsRange(text: string): LevelRange {
  checkLength('MLS range', text);
  if (text.length === 0) throw new LabelSyntaxError('MLS range is empty');
  const parts = text.split('-');
  if (parts.length > 2) {
    throw new LabelSyntaxError(`MLS range ${quote(text)} has more than one "-"`);
  }
  const [lowText = '', highText] = parts;
  if (highText === undefined) {
    const level = parseLevel(lowText);
    return { low: level, high: level };
  }
  if (lowText === '') throw new LabelSyntaxError(`MLS range ${quote(text)} is missing its low level`);
  if (highText === '') throw new LabelSyntaxError(`MLS range ${quote(text)} is missing its high level`);
  const low = withPrefix('low level', () => parseLevel(lowText));
  const high = withPrefix('high level', () => parseLevel(highText));
  if (!dominates(high, low)) {
    throw new LabelSyntaxError(
      `MLS range ${quote(text)} is invalid: high level ${formatLevel(high)} does not dominate low level ${formatLevel(low)}`,
    );
  }
  return { low, high };
}

function withPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LabelSyntaxError) throw new LabelSyntaxError(`${prefix}: ${e.message}`);
    throw e;
  }
}

export function formatMlsRange(r: LevelRange): string {
  const low = formatLevel(r.low);
  if (levelsEqual(r.low, r.high)) return low;
  return `${low}-${formatLevel(r.high)}`;
}

/**
 * True when every element of the sorted array `sub` is in the sorted array
 * `sup`. One merge pass: O(|sup| + |sub|) rather than O(|sup| * |sub|).
 */
function isSortedSuperset(sup: readonly number[], sub: readonly number[]): boolean {
  if (sub.length > sup.length) return false;
  let i = 0;
  for (const want of sub) {
    while (i < sup.length && (sup[i] as number) < want) i++;
    if (i === sup.length || sup[i] !== want) return false;
    i++;
  }
  return true;
}

/** MLS dominance: a is at least as sensitive as b and holds every category of b. */
export function dominates(a: Level, b: Level): boolean {
  return a.sensitivity >= b.sensitivity && isSortedSuperset(a.categories, b.categories);
}

export function compareLevels(a: Level, b: Level): 'equal' | 'dominates' | 'dominated' | 'incomparable' {
  const ab = dominates(a, b);
  const ba = dominates(b, a);
  if (ab && ba) return 'equal';
  if (ab) return 'dominates';
  if (ba) return 'dominated';
  return 'incomparable';
}

export function levelsEqual(a: Level, b: Level): boolean {
  if (a.sensitivity !== b.sensitivity || a.categories.length !== b.categories.length) return false;
  for (let i = 0; i < a.categories.length; i++) {
    if (a.categories[i] !== b.categories[i]) return false;
  }
  return true;
}

/** Every category of l lies in [r.low, r.high]; vacuously true for no categories. */
export function categoriesWithin(l: Level, r: CategoryRange): boolean {
  const cats = l.categories;
  if (cats.length === 0) return true;
  // Sorted, so the extremes decide.
  return (cats[0] as number) >= r.low && (cats[cats.length - 1] as number) <= r.high;
}
