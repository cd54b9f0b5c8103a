import { LabelSyntaxError, quote } from './errors.js';
import { type LevelRange, formatMlsRange, parseMlsRange } from './level.js';
import { levelNames, tryParseRange, type LevelNames, type NameEntry, type NameTable } from './level-names.js';

/**
 * setrans.conf as mcstrans reads it: the file format, its includes and
 * limits, into the name table that level-names.ts looks names up in.
 *
 * What mcstrans does (SELinuxProject/selinux, mcstrans/src/mcstrans.c,
 * process_trans / add_cache / find_in_table / trans_context /
 * untrans_context; setrans.conf(5); mcstrans/share/examples):
 * - A line is cut at its first '#', trimmed, and split at the first of
 *   "=", "!" or ">". "!" and ">" make a constraint (`c0!c1`, `c5.c9>c1`).
 * - `raw=name` adds a direct translation. The name is the rest of the line,
 *   so it may hold spaces, ':' and '-' ("S E C R E T", "Secret:A",
 *   "SystemLow-Secret:A"). An empty side is "invalid line" and mcstrans
 *   refuses the whole file.
 * - Lookups are exact, case-sensitive string compares (strcmp) in two hash
 *   tables that return the FIRST entry added: for one raw with several names
 *   the first is the displayed one and every name is accepted
 *   (examples/urcsts-via-include/setrans.d/s.conf gives s7 three names).
 * - A range missing from the table is split at its first '-' and each side
 *   translated, a side without a name staying raw text.
 * - Include= is glob(3)-expanded and read recursively; Domain=, Base=,
 *   ModifierGroup= and the group keywords (Whitespace=, Join=, Prefix=,
 *   Suffix=, Default=) drive names computed from a base classification plus
 *   category "words", which this module does not compute.
 *
 * Differences, on purpose:
 * - Raw sides are stored canonically (mcstrans keys the raw text as
 *   written, so `s0:c3,c1=X` never matched the kernel's `s0:c1,c3`).
 * - A name that a second, different level also claims is not applied for
 *   that level: mcstrans would display both levels with one name, which
 *   resolves back to the first only.
 * - A name that is itself a raw level is not applied (raw always wins when
 *   resolving), and an empty name is skipped with a warning instead of
 *   refusing the file (Debian's stock file has `s0=`).
 * - A range name may be split at any '-' (names may contain '-'), and
 *   toName only returns a composed name that resolves back to the same
 *   range.
 * - Include cycles, unreadable includes and syntax errors are SetransError;
 *   a wildcard Include is a warning (readFile reads single files).
 */

export interface SetransWarning {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

/** A defect that makes the file unusable; the message starts with `file:line: `. */
export class SetransError extends Error {
  override readonly name = 'SetransError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, detail: string, options?: { cause?: unknown }) {
    super(`${file}:${line}: ${detail}`, options);
    this.file = file;
    this.line = line;
  }
}

/** The names of a setrans.conf, with what loading it reported. */
export interface Translator extends LevelNames {
  /** number of raw=name entries loaded */
  readonly size: number;
  /** lines the translator did not apply (unsupported keywords), never silently misread */
  readonly warnings: readonly SetransWarning[];
}

/** Per file; the stock files are a few KiB, mcstrans's largest example 20 KiB. */
export const MAX_SETRANS_FILE = 1 << 20;
/** Include nesting; also stops cycles that path text cannot reveal (symlinks). */
export const MAX_INCLUDE_DEPTH = 32;
/** Files read in total, so repeated includes cannot multiply without bound. */
export const MAX_SETRANS_FILES = 256;

const GROUP_KEYWORDS = new Set(['Whitespace', 'Join', 'Prefix', 'Suffix', 'Default']);
const KEYWORDS = ['Include', 'Domain', 'Base', 'ModifierGroup', ...GROUP_KEYWORDS];
const UNTRANSLATED = 'names composed from it cannot be translated here';

interface Origin {
  readonly file: string;
  readonly line: number;
}

/** The name table as loading fills it: where each entry came from, for the warnings. */
interface Table extends NameTable {
  readonly rawToName: Map<string, string>;
  readonly nameToRaw: Map<string, NameEntry>;
  readonly rawOrigin: Map<string, Origin>;
  readonly nameOrigin: Map<string, Origin>;
  size: number;
  /** Longest name applied: bounds the split search in toRaw. */
  maxNameLength: number;
}

/** mcstrans's statics: they carry over into and out of included files. */
interface State {
  group: { readonly name: string; readonly file: string; readonly line: number } | undefined;
  filesRead: number;
}

function trimBlanks(s: string): string {
  // mcstrans trims " \t" (and "\r\n" at the line end), not all Unicode space.
  return s.replace(/^[ \t\r\n]+/, '').replace(/[ \t\r\n]+$/, '');
}

function where(o: Origin): string {
  return `${o.file}:${o.line}`;
}

/** Collapses "", "." and ".." segments so a cycle through "./x" is still seen. */
function normalizePath(p: string): string {
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (absolute) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

function dirName(p: string): string {
  const slash = p.lastIndexOf('/');
  if (slash === -1) return '';
  if (slash === 0) return '/';
  return p.slice(0, slash);
}

function resolveInclude(including: string, target: string): string {
  if (target.startsWith('/')) return normalizePath(target);
  const dir = dirName(including);
  return normalizePath(dir === '' ? target : `${dir}/${target}`);
}

/** `disable`, `Foo_Bar`: a keyword; `s0x`, `c5`, `S1` are attempts at a level. */
function isKeywordLike(left: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(left) && !/^[sScC][0-9]/.test(left);
}

export function parseSetrans(path: string, readFile: (path: string) => string): Translator {
  const table: Table = {
    rawToName: new Map(),
    nameToRaw: new Map(),
    rawOrigin: new Map(),
    nameOrigin: new Map(),
    size: 0,
    maxNameLength: 0,
  };
  const warnings: SetransWarning[] = [];
  const state: State = { group: undefined, filesRead: 0 };

  const top = normalizePath(path);
  // The top file's own read error (e.g. ENOENT) propagates untouched, so a
  // caller can treat "no setrans.conf" as "no translations".
  const text = readFile(top);
  const problem = textProblem(text);
  if (problem !== undefined) throw new SetransError(top, 0, problem);
  loadFile(top, text, [top], table, warnings, state, readFile);

  return Object.freeze({ ...levelNames(table), size: table.size, warnings: Object.freeze(warnings.map((w) => Object.freeze(w))) });
}

/** Why readFile's answer cannot be parsed (line 0 of a SetransError is the whole file). */
function textProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'readFile did not return text';
  if (text.length > MAX_SETRANS_FILE) {
    return `file is too long: ${text.length} characters (limit ${MAX_SETRANS_FILE})`;
  }
  return undefined;
}

function loadFile(
  file: string,
  text: string,
  stack: readonly string[],
  table: Table,
  warnings: SetransWarning[],
  state: State,
  readFile: (path: string) => string,
): void {
  state.filesRead++;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const original = lines[index] as string;
    const warn = (message: string): void => {
      warnings.push({ file, line: lineNo, text: trimBlanks(original), message });
    };
    const fail = (detail: string, cause?: unknown): never => {
      throw new SetransError(file, lineNo, detail, cause === undefined ? undefined : { cause });
    };

    const hash = original.indexOf('#');
    const content = trimBlanks(hash === -1 ? original : original.slice(0, hash));
    if (content === '') continue;

    const delim = /[=!>]/.exec(content);
    if (delim === null) {
      fail(`expected raw=name, a keyword such as Include=, or a constraint; got ${quote(content)}`);
      return;
    }
    const op = delim[0];
    const left = trimBlanks(content.slice(0, delim.index));
    const right = trimBlanks(content.slice(delim.index + 1));
    if (left === '') fail(`nothing before "${op}" in ${quote(content)}`);

    if (op !== '=') {
      if (!/^[sc]/.test(left) || right === '') {
        fail(`${quote(content)} is not a constraint (expected e.g. "c0!c1", "c5.c9>c1" or "s1!c5,c9")`);
      }
      warn(
        'constraint not supported: ignored. mcstrans applies constraints only to names it computes ' +
          'from Base=/ModifierGroup=, never to the direct raw=name entries used here',
      );
      continue;
    }

    if (left === 'Include') {
      if (right === '') fail('Include= names no file');
      if (/[*?[]/.test(right)) {
        warn(
          `Include with a wildcard is not supported: no file matching ${quote(right)} was read, ` +
            'so names defined there cannot be translated',
        );
        continue;
      }
      const target = resolveInclude(file, right);
      if (stack.includes(target)) {
        fail(`Include=${right} is an include cycle: ${[...stack, target].join(' -> ')}`);
      }
      if (stack.length >= MAX_INCLUDE_DEPTH) {
        fail(`Include=${right}: includes are nested more than ${MAX_INCLUDE_DEPTH} deep`);
      }
      if (state.filesRead >= MAX_SETRANS_FILES) {
        fail(`Include=${right}: more than ${MAX_SETRANS_FILES} files included`);
      }
      let included: string;
      try {
        included = readFile(target);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        fail(`Include=${right}: cannot read ${target}: ${why}`, e);
        return;
      }
      const problem = textProblem(included);
      if (problem !== undefined) fail(`Include=${right}: ${target}: ${problem}`);
      loadFile(target, included, [...stack, target], table, warnings, state, readFile);
      continue;
    }

    if (left === 'Domain') {
      state.group = undefined;
      warn(
        'Domain= not supported: the translations of every domain are merged into one table, ' +
          'earlier lines taking precedence (mcstrans also searches domains in file order)',
      );
      continue;
    }
    if (left === 'Base') {
      warn(
        `Base= not supported: names composed from a base classification and ModifierGroup words ` +
          `(e.g. "SECRET REL USA") cannot be translated here; the raw=name lines that follow are ` +
          `still used as direct translations, as mcstrans also does`,
      );
      continue;
    }
    if (left === 'ModifierGroup') {
      state.group = { name: right, file, line: lineNo };
      warn(
        `ModifierGroup= not supported: the category words of group ${quote(right)} (the lines up to ` +
          `the next Domain=) are skipped, so ${UNTRANSLATED}`,
      );
      continue;
    }
    if (GROUP_KEYWORDS.has(left)) {
      if (state.group === undefined) {
        warn(`${left}= outside a ModifierGroup: ignored (mcstrans refuses the whole file here: ` + `"expected ModifierGroup declaration")`);
      } else {
        warn(`${left}= of ModifierGroup ${quote(state.group.name)} not supported: ignored`);
      }
      continue;
    }

    if (state.group !== undefined) {
      const g = state.group;
      const level = tryParseRange(left) !== undefined;
      warn(
        `skipped: after ModifierGroup ${quote(g.name)} (${where(g)}) this line defines a modifier word, ` +
          `not a translation, so ${UNTRANSLATED}` +
          (level ? '; mcstrans rejects a level here (only categories may follow a ModifierGroup=)' : ''),
      );
      continue;
    }

    let range: LevelRange;
    try {
      range = parseMlsRange(left);
    } catch (e) {
      if (!(e instanceof LabelSyntaxError)) throw e;
      if (isKeywordLike(left)) {
        const hint = KEYWORDS.find((k) => k.toLowerCase() === left.toLowerCase());
        warn(
          hint !== undefined
            ? `unknown keyword ${quote(left)}: ignored (keywords are case-sensitive; did you mean "${hint}"?)`
            : `unknown keyword ${quote(left)}: ignored`,
        );
        continue;
      }
      fail(`raw level ${quote(left)} is invalid: ${e.message}`, e);
      return;
    }

    if (right === '') {
      warn('empty name: not applied (mcstrans refuses the whole file at such a line; ' + 'old libsetrans used it to hide the level)');
      continue;
    }
    if (tryParseRange(right) !== undefined) {
      warn(`name ${quote(right)} is itself a raw level: not applied (a request giving it means that level)`);
      continue;
    }

    addEntry(table, formatMlsRange(range), range, right, { file, line: lineNo }, warn);
  }
}

function addEntry(table: Table, raw: string, range: LevelRange, name: string, origin: Origin, warn: (message: string) => void): void {
  const named = table.nameToRaw.get(name);
  if (named !== undefined) {
    if (named.raw === raw) return; // the same pair again (a repeated line or include)
    const first = table.nameOrigin.get(name) as Origin;
    warn(
      `name ${quote(name)} already names ${named.raw} (${where(first)}): not applied to ${raw}; ` +
        `the name keeps resolving to ${named.raw}`,
    );
    return;
  }

  const shown = table.rawToName.get(raw);
  table.nameToRaw.set(name, { raw, range });
  table.nameOrigin.set(name, origin);
  table.size++;
  table.maxNameLength = Math.max(table.maxNameLength, name.length);
  if (shown !== undefined) {
    const first = table.rawOrigin.get(raw) as Origin;
    warn(
      `${raw} already translates to ${quote(shown)} (${where(first)}): as in mcstrans the first name ` +
        `stays the one shown and ${quote(name)} is accepted as an alias`,
    );
    return;
  }
  table.rawToName.set(raw, name);
  table.rawOrigin.set(raw, origin);
}
