import { LabelSyntaxError, checkLength, quote } from './errors.js';

/** Highest category of the default MCS policy (c0.c1023). */
export const MAX_CATEGORY = 1023;
/** Highest sensitivity we accept; MCS policies only use s0 but MLS ones go higher. */
export const MAX_SENSITIVITY = 1023;

/** Inclusive range of categories, low < high (a pool needs at least one pair). */
export interface CategoryRange {
  readonly low: number;
  readonly high: number;
}

const DIGITS = /^[0-9]+$/;

/**
 * Parses one `cN` token. Shared by sets and ranges so both report the same
 * defects with the same words.
 */
function parseCategoryToken(token: string): number {
  if (token.length === 0) throw new LabelSyntaxError('category is empty');
  if (token[0] !== 'c') {
    throw new LabelSyntaxError(`category ${quote(token)} must start with "c"`);
  }
  const digits = token.slice(1);
  if (digits.length === 0) throw new LabelSyntaxError(`category ${quote(token)} has no number`);
  if (!DIGITS.test(digits)) {
    throw new LabelSyntaxError(`category ${quote(token)} must be "c" followed by digits only`);
  }
  if (digits.length > 1 && digits[0] === '0') {
    throw new LabelSyntaxError(`category ${quote(token)} has a leading zero`);
  }
  // Length check first: Number() of a long digit string loses precision.
  if (digits.length > 4 || Number(digits) > MAX_CATEGORY) {
    const shown = digits.length > 12 ? quote(token) : token;
    throw new LabelSyntaxError(`category ${shown} is above c${MAX_CATEGORY}`);
  }
  return Number(digits);
}

/** Parses `cA.cB` (exactly one dot) with A < B. */
function parseRangeItem(item: string): CategoryRange {
  const parts = item.split('.');
  if (parts.length !== 2) {
    throw new LabelSyntaxError(`range ${quote(item)} must have exactly one "."`);
  }
  const [lowText = '', highText = ''] = parts;
  if (lowText === '') throw new LabelSyntaxError(`range ${quote(item)} is missing its low end`);
  if (highText === '') throw new LabelSyntaxError(`range ${quote(item)} is missing its high end`);
  const low = parseCategoryToken(lowText);
  const high = parseCategoryToken(highText);
  if (low > high) {
    throw new LabelSyntaxError(`range ${quote(item)} is reversed: low must be below high`);
  }
  if (low === high) {
    throw new LabelSyntaxError(`range ${quote(item)} is degenerate: low must be below high (write "c${low}" for one category)`);
  }
  return { low, high };
}

/** Parses a pool range such as `c0.c1023`; nothing else is accepted. */
export function parseCategoryRange(text: string): CategoryRange {
  checkLength('category range', text);
  if (!text.includes('.')) {
    throw new LabelSyntaxError(`category range ${quote(text)} must have the form cLOW.cHIGH`);
  }
  if (/[^c0-9.]/.test(text)) {
    throw new LabelSyntaxError(`category range ${quote(text)} may only contain "c", digits and one "."`);
  }
  return parseRangeItem(text);
}

export function formatCategoryRange(r: CategoryRange): string {
  assertCategory(r.low);
  assertCategory(r.high);
  if (r.low >= r.high) throw new RangeError(`category range low ${r.low} is not below high ${r.high}`);
  return `c${r.low}.c${r.high}`;
}

/**
 * Parses SELinux category syntax (`c0.c3,c7`) into sorted unique numbers.
 *
 * Duplicates and overlaps are errors rather than being merged: the kernel
 * would accept them, but a client that writes `c1,c1` has a bug we want to
 * surface, and a strict parser makes "equal text after canonicalisation"
 * mean "equal set" with no surprises.
 */
export function parseCategorySet(text: string): number[] {
  checkLength('category set', text);
  if (text.length === 0) throw new LabelSyntaxError('category set is empty');
  if (/\s/.test(text)) {
    throw new LabelSyntaxError(`category set ${quote(text)} contains whitespace`);
  }
  const bad = /[^c0-9.,]/.exec(text);
  if (bad) {
    throw new LabelSyntaxError(`category set ${quote(text)} contains ${quote(bad[0])}; only "c", digits, "." and "," are allowed`);
  }

  // Marks in a set: the work is the number of categories written (at most
  // MAX_CATEGORY + 1 before a duplicate throws), not the size of the space.
  const seen = new Set<number>();
  const mark = (c: number): void => {
    if (seen.has(c)) throw new LabelSyntaxError(`category c${c} appears twice`);
    seen.add(c);
  };

  for (const item of text.split(',')) {
    if (item === '') throw new LabelSyntaxError(`category set ${quote(text)} has an empty item`);
    if (item.includes('.')) {
      const { low, high } = parseRangeItem(item);
      for (let c = low; c <= high; c++) mark(c);
    } else {
      mark(parseCategoryToken(item));
    }
  }

  return [...seen].sort((a, b) => a - b);
}

function assertCategory(c: number): void {
  if (!Number.isInteger(c) || c < 0 || c > MAX_CATEGORY) {
    throw new RangeError(`category ${String(c)} is not an integer in 0..${MAX_CATEGORY}`);
  }
}

/**
 * Canonical text of a category set, byte-for-byte what the kernel prints
 * (security/selinux/ss/mls.c): a run of three or more becomes `cA.cB`, a run
 * of two stays `cA,cB`. Matching the kernel lets us compare our labels with
 * what `ps -Z` / getfilecon report using plain string equality.
 * Returns "" for the empty set, which only a level without categories has.
 */
export function formatCategorySet(cats: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < cats.length) {
    const start = cats[i] as number;
    assertCategory(start);
    let end = start;
    let j = i + 1;
    for (; j < cats.length; j++) {
      const next = cats[j] as number;
      assertCategory(next);
      if (next <= end) {
        throw new RangeError(`categories must be sorted and unique: c${next} follows c${end}`);
      }
      if (next !== end + 1) break;
      end = next;
    }
    if (end - start >= 2) parts.push(`c${start}.c${end}`);
    else if (end - start === 1) parts.push(`c${start}`, `c${end}`);
    else parts.push(`c${start}`);
    i = j;
  }
  return parts.join(',');
}
