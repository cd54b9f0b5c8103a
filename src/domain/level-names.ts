/**
 * Level names as mcstrans applies them: the lookups of a table of raw=name
 * entries (setrans.ts loads it from setrans.conf), both ways, with ranges
 * composed of the names of their ends, and a request's level resolved from
 * either form. What differs from mcstrans on purpose is listed in setrans.ts.
 */
import { LabelSyntaxError, MAX_LABEL_TEXT, quote } from './errors.js';
import { type Level, type LevelRange, dominates, formatLevel, formatMlsRange, levelsEqual, parseLevel, parseMlsRange } from './level.js';

export interface LevelNames {
  /** raw (canonical level or range text, e.g. "s0:c0.c1023" or "s0-s0:c0.c1023") -> name, or undefined */
  toName(raw: string): string | undefined;
  /** name (e.g. "TopSecret", "SystemLow-SystemHigh") -> canonical raw level/range text, or undefined */
  toRaw(name: string): string | undefined;
}

export interface NameEntry {
  readonly raw: string;
  readonly range: LevelRange;
}

/** raw=name entries: the first name of a raw level is the one shown; every name resolves. */
export interface NameTable {
  readonly rawToName: ReadonlyMap<string, string>;
  readonly nameToRaw: ReadonlyMap<string, NameEntry>;
  /** Longest name: bounds the split search in toRaw. */
  readonly maxNameLength: number;
}

export function tryParseRange(text: string): LevelRange | undefined {
  try {
    return parseMlsRange(text);
  } catch (e) {
    if (e instanceof LabelSyntaxError) return undefined;
    throw e;
  }
}

export function tryParseLevel(text: string): Level | undefined {
  try {
    return parseLevel(text);
  } catch (e) {
    if (e instanceof LabelSyntaxError) return undefined;
    throw e;
  }
}

/** The lookups of a name table. */
export function levelNames(table: NameTable): LevelNames {
  const { rawToName, nameToRaw } = table;

  /** One side of a range written as a name: a name of a single level, or a raw level. */
  const side = (text: string): { level: Level; named: boolean } | undefined => {
    const entry = nameToRaw.get(text);
    if (entry !== undefined) {
      return levelsEqual(entry.range.low, entry.range.high) ? { level: entry.range.low, named: true } : undefined;
    }
    const level = tryParseLevel(text);
    return level === undefined ? undefined : { level, named: false };
  };

  const toRaw = (name: string): string | undefined => {
    if (typeof name !== 'string' || name.length > MAX_LABEL_TEXT) return undefined;
    const exact = nameToRaw.get(name);
    if (exact !== undefined) return exact.raw;

    // Names may contain '-', so try every '-'; two different answers mean
    // the text is ambiguous and resolves to nothing. A side is a name (no
    // longer than the longest name) or a raw level (which has no '-', so it
    // can only be cut at the first or last '-'); other cuts are skipped
    // unread, which keeps long request text linear rather than quadratic.
    const first = name.indexOf('-');
    const last = name.lastIndexOf('-');
    const longest = table.maxNameLength;
    let found: string | undefined;
    for (let dash = first; dash !== -1; dash = name.indexOf('-', dash + 1)) {
      const lowMayBeName = dash <= longest;
      const highMayBeName = name.length - dash - 1 <= longest;
      if (!lowMayBeName && !highMayBeName) continue;
      if (!lowMayBeName && dash !== first) continue;
      if (!highMayBeName && dash !== last) continue;
      const low = side(name.slice(0, dash));
      if (low === undefined) continue;
      const high = side(name.slice(dash + 1));
      if (high === undefined) continue;
      if (!low.named && !high.named) continue; // raw text, not a name
      if (!dominates(high.level, low.level)) continue;
      const raw = formatMlsRange({ low: low.level, high: high.level });
      if (found !== undefined && found !== raw) return undefined;
      found = raw;
    }
    return found;
  };

  const toName = (raw: string): string | undefined => {
    if (typeof raw !== 'string') return undefined;
    const range = tryParseRange(raw);
    if (range === undefined) return undefined;
    const key = formatMlsRange(range);
    const exact = rawToName.get(key);
    if (exact !== undefined) return exact;
    if (levelsEqual(range.low, range.high)) return undefined;

    const lowRaw = formatLevel(range.low);
    const highRaw = formatLevel(range.high);
    const lowName = rawToName.get(lowRaw);
    const highName = rawToName.get(highRaw);
    if (lowName === undefined && highName === undefined) return undefined;
    const composed = `${lowName ?? lowRaw}-${highName ?? highRaw}`;
    // Never show a name that would resolve to something else (another
    // entry's exact name, or an ambiguous split).
    return toRaw(composed) === key ? composed : undefined;
  };

  return Object.freeze({ toName, toRaw });
}

/**
 * Resolves what a request gave as a level: a raw level (returned canonical)
 * or a translated name. Throws LabelSyntaxError when it is neither.
 */
export function resolveLevelName(text: string, translator: LevelNames | undefined): string {
  try {
    return formatMlsRange(parseMlsRange(text));
  } catch (e) {
    if (!(e instanceof LabelSyntaxError) || translator === undefined) throw e;
  }
  const raw = translator.toRaw(text);
  if (raw !== undefined) return raw;
  throw new LabelSyntaxError(`${quote(text)} is neither a level nor a name in setrans.conf`);
}
