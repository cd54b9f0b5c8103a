import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LabelSyntaxError } from '../../src/domain/errors.js';
import { type Level, type LevelRange, dominates, formatLevel, formatMlsRange, parseMlsRange } from '../../src/domain/level.js';
import {
  MAX_INCLUDE_DEPTH,
  MAX_SETRANS_FILE,
  MAX_SETRANS_FILES,
  SetransError,
  type SetransWarning,
  type Translator,
  parseSetrans,
} from '../../src/domain/setrans.js';
import { resolveLevelName } from '../../src/domain/level-names.js';
import { thrown } from '../support/throws.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/setrans/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${FIXTURES}${name}`, 'utf8');
const readReal = (path: string): string => readFileSync(path, 'utf8');

/** An in-memory file system; records every path read. */
function memFs(files: Record<string, string>): { readFile: (path: string) => string; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path: string) => {
      reads.push(path);
      const text = Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  };
}

const MAIN = '/etc/selinux/mls/setrans.conf';

/** Parses one in-memory file at MAIN. */
function parseText(text: string, more: Record<string, string> = {}): Translator {
  return parseSetrans(MAIN, memFs({ [MAIN]: text, ...more }).readFile);
}

function lines(...ls: string[]): string {
  return `${ls.join('\n')}\n`;
}

const setransError = (fn: () => unknown): SetransError => thrown(SetransError, fn);

const syntaxError = (fn: () => unknown): LabelSyntaxError => thrown(LabelSyntaxError, fn);

/** 1-based line of the first line whose text (trimmed) is exactly `line`. */
function lineOf(text: string, line: string): number {
  const index = text.split('\n').findIndex((l) => l.trim() === line);
  if (index === -1) throw new Error(`fixture has no line ${JSON.stringify(line)}`);
  return index + 1;
}

/** The raw=name lines of a plain fixture, read independently of the parser. */
function entriesOf(text: string): Array<[raw: string, name: string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const content = (line.split('#')[0] ?? '').trim();
    const eq = content.indexOf('=');
    if (eq <= 0 || !/^s[0-9]/.test(content)) continue;
    const name = content.slice(eq + 1).trim();
    if (name !== '') out.push([formatMlsRange(parseMlsRange(content.slice(0, eq).trim())), name]);
  }
  return out;
}

function expectRoundTrips(t: Translator, entries: ReadonlyArray<readonly [string, string]>): void {
  for (const [raw, name] of entries) {
    expect(t.toName(raw)).toBe(name);
    expect(t.toRaw(name)).toBe(raw);
    expect(t.toRaw(t.toName(raw) as string)).toBe(raw);
    expect(t.toName(t.toRaw(name) as string)).toBe(name);
  }
}

const where = (w: SetransWarning): string => `${w.file}:${w.line}`;

describe('Fedora targeted shape', () => {
  const text = fixture('fedora-targeted.conf');
  const t = parseSetrans(MAIN, memFs({ [MAIN]: text }).readFile);

  it('loads the three entries without warnings (comments, including "# disable=1", ignored)', () => {
    expect(t.size).toBe(3);
    expect(t.warnings).toEqual([]);
  });

  it.each<[string, string]>([
    ['s0', 'SystemLow'],
    ['s0-s0:c0.c1023', 'SystemLow-SystemHigh'],
    ['s0:c0.c1023', 'SystemHigh'],
  ])('%s <-> %s', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
    expect(t.toRaw(name)).toBe(raw);
  });

  it('round-trips every entry', () => {
    const entries = entriesOf(text);
    expect(entries).toHaveLength(3);
    expectRoundTrips(t, entries);
  });

  it.each<[string, string | undefined]>([
    ['s0-s0', 'SystemLow'], // a range whose ends are equal is the level
    ['s0:c5', undefined],
    ['s0-s0:c5', 'SystemLow-s0:c5'], // mcstrans keeps an unnamed side raw
    ['s0:c5-s0:c0.c1023', 's0:c5-SystemHigh'],
    ['s0:c1,c2-s0:c1.c9', undefined], // neither side has a name
    ['SystemLow', undefined],
    ['', undefined],
    ['s0:c0.c1024', undefined],
    ['x'.repeat(70000), undefined],
  ])('toName(%j) = %j', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
  });

  it.each<[string, string | undefined]>([
    ['SystemLow-s0:c5', 's0-s0:c5'],
    ['s0:c5-SystemHigh', 's0:c5-s0:c0.c1023'],
    ['SystemLow-SystemLow', 's0'],
    ['systemlow', undefined], // exact and case-sensitive, like mcstrans's strcmp
    ['SYSTEMHIGH', undefined],
    [' SystemLow', undefined],
    ['SystemHigh-SystemLow', undefined], // high must dominate low
    ['s0-s0:c5', undefined], // raw text is not a name
    ['s0', undefined],
    ['', undefined],
    ['-', undefined],
    ['SystemLow-', undefined],
    ['x-'.repeat(40000), undefined],
    ['SystemLow-'.repeat(6000), undefined],
  ])('toRaw(%j) = %j', (name, raw) => {
    expect(t.toRaw(name)).toBe(raw);
  });
});

describe('Debian default shape', () => {
  const text = fixture('debian-default.conf');
  const t = parseSetrans(MAIN, memFs({ [MAIN]: text }).readFile);

  it('skips "s0=" (empty name) with a warning instead of refusing the file', () => {
    expect(t.size).toBe(2);
    expect(t.warnings).toHaveLength(1);
    const [w] = t.warnings;
    expect(w).toMatchObject({ file: MAIN, line: lineOf(text, 's0='), text: 's0=' });
    expect(w?.line).toBe(12);
    expect(w?.message).toContain('empty name: not applied');
    expect(t.toName('s0')).toBeUndefined();
    expect(t.toRaw('')).toBeUndefined();
  });

  it('round-trips the named entries', () => {
    const entries = entriesOf(text);
    expect(entries).toEqual([
      ['s0-s0:c0.c1023', 'SystemLow-SystemHigh'],
      ['s0:c0.c1023', 'SystemHigh'],
    ]);
    expectRoundTrips(t, entries);
  });

  it('translates a range side by side when only one side is named', () => {
    expect(t.toName('s0-s0:c0.c1023')).toBe('SystemLow-SystemHigh');
    expect(t.toName('s0:c3-s0:c0.c1023')).toBe('s0:c3-SystemHigh');
    expect(t.toRaw('s0:c3-SystemHigh')).toBe('s0:c3-s0:c0.c1023');
  });
});

describe('Fedora MLS shape (mcstrans examples/default)', () => {
  const text = fixture('fedora-mls.conf');
  const t = parseSetrans(MAIN, memFs({ [MAIN]: text }).readFile);
  const entries = entriesOf(text);

  it('loads every entry without warnings', () => {
    expect(entries).toHaveLength(26);
    expect(t.size).toBe(26);
    expect(t.warnings).toEqual([]);
  });

  it('round-trips every entry raw -> name -> raw and name -> raw -> name', () => {
    expectRoundTrips(t, entries);
  });

  it.each<[string, string]>([
    ['s2-s2:c0', 'Secret-Secret:A'],
    ['s2:c0,c1-s15:c0.c1023', 'Secret:AB-SystemHigh'],
    ['s0-s15:c0.c1023', 'SystemLow-SystemHigh'],
    ['s2:c0', 'A'],
  ])('names with ":" and "-": %s <-> %s', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
    expect(t.toRaw(name)).toBe(raw);
  });

  it.each<[string, string | undefined]>([
    ['s1-s15', 'Unclassified-s15'],
    ['s1-s2:c0,c1', 'Unclassified-Secret:AB'], // exact entry
    ['s2:c1-s2:c0,c1', 'Secret:B-Secret:AB'],
    ['s1:c1-s2:c1', 's1:c1-B'],
  ])('toName(%s) = %s', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
    if (name !== undefined) expect(t.toRaw(name)).toBe(raw);
  });

  it.each<[string, string | undefined]>([
    ['Secret-B', 's2-s2:c1'], // split; the same range is also named "Secret-Secret:B"
    ['A-B', undefined], // s2:c1 does not dominate s2:c0
    ['Unclassified-SystemHigh', 's1-s15:c0.c1023'],
    ['SystemLow-A', 's0-s2:c0'],
    ['Secret:A', undefined], // only part of range names, never defined alone
  ])('toRaw(%j) = %j', (name, raw) => {
    expect(t.toRaw(name)).toBe(raw);
  });
});

describe('MLS with sensitivities s0..s15 and named category sets', () => {
  const text = fixture('mls-projects.conf');
  const t = parseSetrans(MAIN, memFs({ [MAIN]: text }).readFile);

  it('loads every line, canonicalising raw sides', () => {
    const entries = entriesOf(text);
    expect(entries).toHaveLength(25);
    expect(t.size).toBe(25);
    expect(t.warnings).toEqual([]);
    expectRoundTrips(t, entries);
  });

  it.each<[string, string]>([
    ['s0', 'SystemLow'],
    ['s1', 'Unclassified'],
    ['s5', 'TopSecret'],
    ['s10', 'Level10'],
    ['s15', 'Level15'], // written after a tab
    ['s15:c0.c1023', 'SystemHigh'], // written with spaces around "="
    ['s5:c0.c10', 'TopSecret:ProjectA'], // written c10,c9,...,c0
    ['s5:c11.c20', 'TopSecret:ProjectB'],
    ['s5:c0.c20', 'TopSecret:Projects A and B'],
    ['s3:c1,c3', 'Confidential:HR'], // written c3,c1
    ['s3:c0,c1', 'Confidential:Finance'], // written c0.c1
    ['s0:c5', 'Company Confidential'],
  ])('%s <-> %s', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
    expect(t.toRaw(name)).toBe(raw);
  });

  it('keeps trailing comments out of names', () => {
    expect(t.toRaw('SystemLow')).toBe('s0');
    expect(t.toRaw('SystemLow              # spaces around "=" and a trailing comment')).toBeUndefined();
  });

  it.each<[string, string]>([
    ['s3:c1,c3-s5:c0.c10', 'Confidential:HR-TopSecret:ProjectA'],
    ['s0-s15', 'SystemLow-Level15'],
    ['s3:c0,c1-s5:c0.c20', 'Confidential:Finance-TopSecret:Projects A and B'],
    ['s2-s5:c0.c10', 'Restricted-TopSecret:ProjectA'], // exact entry, same as the split
    ['s1-s15:c0.c1023', 'Unclassified-SystemHigh'],
  ])('ranges side by side: %s <-> %s', (raw, name) => {
    expect(t.toName(raw)).toBe(name);
    expect(t.toRaw(name)).toBe(raw);
  });

  it('refuses a range of names whose high does not dominate its low', () => {
    expect(t.toRaw('TopSecret:ProjectA-Confidential:HR')).toBeUndefined();
    expect(t.toRaw('TopSecret:ProjectA-TopSecret:ProjectB')).toBeUndefined();
  });
});

describe('advanced constructs (mcstrans examples/nato shape, real files, relative Include)', () => {
  const main = `${FIXTURES}nato.conf`;
  const rel = `${FIXTURES}setrans.d/rel.conf`;
  const constraints = `${FIXTURES}setrans.d/constraints.conf`;
  const t = parseSetrans(main, readReal);

  it('applies the direct entries, before and after Base=', () => {
    expect(t.size).toBe(9);
    expect(t.toRaw('SystemLow')).toBe('s0');
    expect(t.toRaw('UNCLASSIFIED')).toBe('s1');
    expect(t.toName('s5:c0,c2,c11,c200.c511')).toBe('SECRET');
    expect(t.toRaw('NATO SECRET')).toBe('s5:c1,c200.c511');
    expect(t.toName('s1:c1')).toBe('NATO UNCLASSIFIED');
  });

  it('reports every unsupported line with its own file and line, in order', () => {
    const mainText = fixture('nato.conf');
    const relText = fixture('setrans.d/rel.conf');
    expect(t.warnings.map(where)).toEqual([
      `${main}:${lineOf(mainText, 'Domain=NATOEXAMPLE')}`,
      `${main}:${lineOf(mainText, 'Base=Sensitivity Levels')}`,
      ...[
        'ModifierGroup=Releasable To',
        'Whitespace=- ,/',
        'Join=/',
        'Prefix=REL',
        'Prefix=REL TO',
        'Default=c200.c511',
        '~c200.c511=EVERYBODY',
        '~c200,~c201=AA # Aruba',
        '~c200,~c215=AUS # Australia',
        '~c200,~c239=CAN # Canada',
      ].map((l) => `${rel}:${lineOf(relText, l)}`),
      `${constraints}:2`,
      `${constraints}:3`,
      `${constraints}:4`,
    ]);
    expect(t.warnings.map((w) => w.line).slice(0, 2)).toEqual([3, 9]);
    expect(t.warnings.find((w) => w.text === 'c5.c9>c1')?.message).toContain('constraint not supported');
  });

  it('says which names cannot be translated', () => {
    const base = t.warnings.find((w) => w.text.startsWith('Base='));
    expect(base?.message).toContain('cannot be translated');
    const group = t.warnings.find((w) => w.text.startsWith('ModifierGroup='));
    expect(group?.message).toContain('"Releasable To"');
    expect(group?.message).toContain('cannot be translated');
    const word = t.warnings.find((w) => w.text.startsWith('~c200,~c215=AUS'));
    expect(word?.message).toContain('modifier word');
    expect(word?.message).toContain(`${rel}:3`);
  });

  it('never applies modifier words or computed names', () => {
    for (const name of ['EVERYBODY', 'AUS', 'AA', 'CAN', 'SECRET REL AUS', 'SECRET REL TO AUS/CAN', 'REL']) {
      expect(t.toRaw(name)).toBeUndefined();
    }
    expect(t.toName('s5:c0,c2,c11,c200.c214,c216.c511')).toBeUndefined();
  });
});

describe('unsupported keywords', () => {
  const text = lines(
    '# header', //                          1
    's0=SystemLow', //                      2
    'Domain=Example', //                    3
    'Base=Levels', //                       4
    's1=Low', //                            5
    'disable = 1', //                       6
    'include=/etc/selinux/other.conf', //   7
    'Join=/', //                            8
    'ModifierGroup=Tags', //                9
    'Whitespace=,', //                      10
    'Join=,', //                            11
    'Prefix=REL', //                        12
    'Suffix=ONLY', //                       13
    'Default=c200.c511', //                 14
    'c1=Private', //                        15
    's2=Inside', //                         16
    '  Domain=Second  ', //                 17
    's2=Outside', //                        18
    'c0!c1', //                             19
    's1 ! c5,c9   # trailing comment', //   20
    'Prefix=Again', //                      21
  );
  const fs = memFs({ [MAIN]: text });
  const t = parseSetrans(MAIN, fs.readFile);

  it('records each with file and line and applies none of them', () => {
    expect(t.warnings.map((w) => w.line)).toEqual([3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21]);
    for (const w of t.warnings) expect(w.file).toBe(MAIN);
    expect(t.size).toBe(3);
    expect(t.toRaw('SystemLow')).toBe('s0');
    expect(t.toRaw('Low')).toBe('s1');
    expect(t.toRaw('Outside')).toBe('s2');
    expect(t.toName('s2')).toBe('Outside');
    for (const name of ['Private', 'Inside', '1', 'Example', 'Second', 'Tags', 'REL', 'ONLY', 'Levels']) {
      expect(t.toRaw(name)).toBeUndefined();
    }
    expect(fs.reads).toEqual([MAIN]); // "include=" is not Include=
  });

  it.each<[number, string, string]>([
    [3, 'Domain=Example', 'Domain= not supported'],
    [4, 'Base=Levels', 'Base= not supported'],
    [6, 'disable = 1', 'unknown keyword "disable": ignored'],
    [7, 'include=/etc/selinux/other.conf', 'did you mean "Include"?'],
    [8, 'Join=/', 'outside a ModifierGroup'],
    [9, 'ModifierGroup=Tags', 'ModifierGroup= not supported'],
    [10, 'Whitespace=,', 'Whitespace= of ModifierGroup "Tags" not supported'],
    [14, 'Default=c200.c511', 'Default= of ModifierGroup "Tags"'],
    [15, 'c1=Private', 'modifier word'],
    [16, 's2=Inside', 'mcstrans rejects a level here'],
    [17, 'Domain=Second', 'Domain= not supported'],
    [19, 'c0!c1', 'constraint not supported'],
    [20, 's1 ! c5,c9   # trailing comment', 'constraint not supported'],
    [21, 'Prefix=Again', 'outside a ModifierGroup'], // Domain= ended the group
  ])('line %i %j: %s', (line, lineText, fragment) => {
    const w = t.warnings.find((x) => x.line === line);
    expect(w?.text).toBe(lineText);
    expect(w?.message).toContain(fragment);
  });

  it('returns frozen warnings', () => {
    expect(Object.isFrozen(t.warnings)).toBe(true);
    expect(Object.isFrozen(t.warnings[0])).toBe(true);
  });
});

describe('Include=', () => {
  const EXTRA = '/etc/selinux/mls/setrans.d/extra.conf';
  const MORE = '/etc/selinux/mls/more.conf';

  it('reads an absolute path, keeping each file its own line numbers', () => {
    const fs = memFs({
      [MAIN]: lines('s0=SystemLow', `Include=${EXTRA}`, 's0:c0.c1023=SystemHigh'),
      [EXTRA]: lines('# extra', 's1=Unclassified', 'Domain=X'),
    });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(fs.reads).toEqual([MAIN, EXTRA]);
    expect(t.size).toBe(3);
    expect(t.toRaw('Unclassified')).toBe('s1');
    expect(t.toRaw('SystemHigh')).toBe('s0:c0.c1023');
    expect(t.warnings.map(where)).toEqual([`${EXTRA}:3`]);
  });

  it.each<[string, string]>([
    ['setrans.d/extra.conf', EXTRA],
    ['./setrans.d/extra.conf', EXTRA],
    ['setrans.d//./extra.conf', EXTRA],
    ['../mls/setrans.d/extra.conf', EXTRA],
    ['more.conf', MORE],
    ['  more.conf   # with a comment', MORE],
  ])('resolves the relative path %j against the including file to %s', (target, resolved) => {
    const fs = memFs({ [MAIN]: lines(`Include=${target}`), [resolved]: lines('s3=Three') });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(fs.reads).toEqual([MAIN, resolved]);
    expect(t.toRaw('Three')).toBe('s3');
  });

  it('resolves nested relative includes against each including file', () => {
    const fs = memFs({
      [MAIN]: lines('Include=setrans.d/extra.conf'),
      [EXTRA]: lines('Include=../more.conf', 's1=One'),
      [MORE]: lines('s2=Two'),
    });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(fs.reads).toEqual([MAIN, EXTRA, MORE]);
    expect(t.toRaw('One')).toBe('s1');
    expect(t.toRaw('Two')).toBe('s2');
  });

  it('resolves against a relative top-level path', () => {
    const fs = memFs({ 'conf/setrans.conf': lines('Include=inc.conf'), 'conf/inc.conf': lines('s4=Four') });
    expect(parseSetrans('conf/setrans.conf', fs.readFile).toRaw('Four')).toBe('s4');
    expect(fs.reads).toEqual(['conf/setrans.conf', 'conf/inc.conf']);
  });

  it('allows the same file twice when it is not a cycle', () => {
    const fs = memFs({ [MAIN]: lines(`Include=${MORE}`, `Include=${MORE}`), [MORE]: lines('s2=Two') });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(fs.reads).toEqual([MAIN, MORE, MORE]);
    expect(t.size).toBe(1);
    expect(t.warnings).toEqual([]);
  });

  it('carries the ModifierGroup state back into the including file, as mcstrans does', () => {
    const fs = memFs({
      [MAIN]: lines(`Include=${MORE}`, 's3=After'),
      [MORE]: lines('ModifierGroup=G', 'c1=Word'),
    });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(t.toRaw('After')).toBeUndefined();
    expect(t.warnings.map(where)).toEqual([`${MORE}:1`, `${MORE}:2`, `${MAIN}:2`]);
    expect(t.warnings[2]?.message).toContain(`${MORE}:1`);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'a file including itself',
      { [MAIN]: lines('s0=SystemLow', 'Include=setrans.conf') },
      `${MAIN}:2: Include=setrans.conf is an include cycle: ${MAIN} -> ${MAIN}`,
    ],
    [
      'a two-file cycle',
      { [MAIN]: lines(`Include=${MORE}`), [MORE]: lines('', '', `Include=${MAIN}`) },
      `${MORE}:3: Include=${MAIN} is an include cycle: ${MAIN} -> ${MORE} -> ${MAIN}`,
    ],
    [
      'a cycle spelled with "./" and ".."',
      { [MAIN]: lines('Include=./more.conf'), [MORE]: lines('Include=../mls/./setrans.conf') },
      `${MORE}:1: Include=../mls/./setrans.conf is an include cycle: ${MAIN} -> ${MORE} -> ${MAIN}`,
    ],
  ])('refuses %s', (_what, files, message) => {
    const e = setransError(() => parseSetrans(MAIN, memFs(files).readFile));
    expect(e.message).toBe(message);
  });

  it('names the missing file and the line including it', () => {
    const e = setransError(() => parseText(lines('s0=SystemLow', '', 'Include=setrans.d/missing.conf')));
    expect(e.message).toBe(
      `${MAIN}:3: Include=setrans.d/missing.conf: cannot read /etc/selinux/mls/setrans.d/missing.conf: ` +
        `ENOENT: no such file or directory, open '/etc/selinux/mls/setrans.d/missing.conf'`,
    );
    expect(e.file).toBe(MAIN);
    expect(e.line).toBe(3);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('names a missing file included from an included file', () => {
    const e = setransError(() => parseText(lines(`Include=${MORE}`), { [MORE]: lines('s1=One', 'Include=/nope.conf') }));
    expect(e.message).toContain(`${MORE}:2: Include=/nope.conf: cannot read /nope.conf`);
  });

  it('refuses an empty Include=', () => {
    expect(setransError(() => parseText(lines('Include=  # nothing'))).message).toBe(`${MAIN}:1: Include= names no file`);
  });

  it('refuses includes nested too deep', () => {
    const files: Record<string, string> = {};
    for (let k = 0; k < MAX_INCLUDE_DEPTH + 5; k++) files[`/d/${k}.conf`] = lines(`Include=${k + 1}.conf`);
    const e = setransError(() => parseSetrans('/d/0.conf', memFs(files).readFile));
    expect(e.message).toContain(`nested more than ${MAX_INCLUDE_DEPTH} deep`);
    expect(e.file).toBe(`/d/${MAX_INCLUDE_DEPTH - 1}.conf`);
  });

  it('warns about a wildcard Include without reading anything', () => {
    const fs = memFs({ [MAIN]: lines('s0=SystemLow', 'Include=/etc/selinux/mls/setrans.d/*.conf') });
    const t = parseSetrans(MAIN, fs.readFile);
    expect(fs.reads).toEqual([MAIN]);
    expect(t.warnings.map(where)).toEqual([`${MAIN}:2`]);
    expect(t.warnings[0]?.message).toContain('wildcard');
    expect(t.warnings[0]?.message).toContain('cannot be translated');
  });

  it('refuses more than MAX_SETRANS_FILES files in total', () => {
    const fs = memFs({ [MAIN]: lines(...Array.from({ length: 300 }, () => `Include=${MORE}`)), [MORE]: lines('s1=One') });
    const e = setransError(() => parseSetrans(MAIN, fs.readFile));
    expect(e.message).toBe(`${MAIN}:${MAX_SETRANS_FILES}: Include=${MORE}: more than ${MAX_SETRANS_FILES} files included`);
  });

  it.each<[string, unknown, string]>([
    ['too long', 'x'.repeat(MAX_SETRANS_FILE + 1), `file is too long: ${MAX_SETRANS_FILE + 1} characters (limit ${MAX_SETRANS_FILE})`],
    ['not text', Buffer.from('s0=SystemLow'), 'readFile did not return text'],
  ])('refuses an included file that is %s, at the Include line', (_what, content, problem) => {
    const readFile = (p: string): string => (p === MAIN ? lines('', `Include=${MORE}`) : (content as string));
    const e = setransError(() => parseSetrans(MAIN, readFile));
    expect(e.message).toBe(`${MAIN}:2: Include=${MORE}: ${MORE}: ${problem}`);
  });

  it('refuses a top-level file that is too long, as line 0 (the whole file)', () => {
    const e = setransError(() => parseSetrans(MAIN, () => 'x'.repeat(MAX_SETRANS_FILE + 1)));
    expect(e.line).toBe(0);
    expect(e.message).toContain(`${MAIN}:0: file is too long`);
  });

  it('lets the top-level read error through unchanged', () => {
    const missing = new Error('ENOENT');
    expect(() =>
      parseSetrans(MAIN, () => {
        throw missing;
      }),
    ).toThrow(missing);
  });
});

describe('malformed lines name file:line', () => {
  it.each<[string, string]>([
    ['s0:c1024=Foo', 'raw level "s0:c1024" is invalid: category c1024 is above c1023'],
    ['s1-s0=Backwards', 'raw level "s1-s0" is invalid: MLS range "s1-s0" is invalid: high level s0 does not dominate low level s1'],
    ['s0:c1,c1=Twice', 'raw level "s0:c1,c1" is invalid: category c1 appears twice'],
    ['s0 : c1=Spaced', 'raw level "s0 : c1" is invalid: level "s0 : c1" contains whitespace'],
    ['S0=Upper', 'raw level "S0" is invalid: sensitivity "S0" must start with "s"'],
    ['c5=Category', 'raw level "c5" is invalid: sensitivity "c5" must start with "s"'],
    ['~c200=Word', 'raw level "~c200" is invalid'],
    ['s01=Zero', 'sensitivity "s01" has a leading zero'],
    ['s0-s0-s0=Three', 'has more than one "-"'],
    ['just some words', 'expected raw=name, a keyword such as Include=, or a constraint; got "just some words"'],
    ['=NoRaw', 'nothing before "=" in "=NoRaw"'],
    ['hello>world', '"hello>world" is not a constraint'],
    ['c0!', 'is not a constraint'],
  ])('%j', (bad, detail) => {
    const e = setransError(() => parseText(lines('# ok so far', 's0=SystemLow', bad, 's1=Never')));
    expect(e.message).toContain(`${MAIN}:3: `);
    expect(e.message).toContain(detail);
    expect(e.file).toBe(MAIN);
    expect(e.line).toBe(3);
  });

  it('names the included file for its own syntax errors', () => {
    const inc = '/etc/selinux/mls/setrans.d/bad.conf';
    const e = setransError(() => parseText(lines('Include=setrans.d/bad.conf'), { [inc]: lines('s0=Ok', 's0:c9999=Bad') }));
    expect(e.message).toMatch(/^\/etc\/selinux\/mls\/setrans\.d\/bad\.conf:2: raw level "s0:c9999" is invalid/);
  });

  it('handles CRLF line ends and a byte-order mark', () => {
    const t = parseText('\uFEFFs0=SystemLow\r\ns0:c0.c1023=SystemHigh \r\n');
    expect(t.toRaw('SystemLow')).toBe('s0');
    expect(t.toName('s0:c0.c1023')).toBe('SystemHigh');
    expect(t.warnings).toEqual([]);
  });
});

describe('duplicates', () => {
  it('keeps the first name shown and the later one as an alias (mcstrans)', () => {
    const t = parseText(lines('s7=SECRET', 's7=S E C R E T', 's7 = S'));
    expect(t.size).toBe(3);
    expect(t.toName('s7')).toBe('SECRET');
    expect(t.toRaw('SECRET')).toBe('s7');
    expect(t.toRaw('S E C R E T')).toBe('s7');
    expect(t.toRaw('S')).toBe('s7');
    expect(t.warnings.map(where)).toEqual([`${MAIN}:2`, `${MAIN}:3`]);
    expect(t.warnings[0]?.message).toBe(
      `s7 already translates to "SECRET" (${MAIN}:1): as in mcstrans the first name stays the one shown ` +
        `and "S E C R E T" is accepted as an alias`,
    );
  });

  it('detects duplicates through canonicalisation', () => {
    const t = parseText(lines('s0:c3,c1=First', 's0:c1,c3=Second', 's0:c1,c3-s0:c3,c1=Third'));
    expect(t.toName('s0:c1,c3')).toBe('First');
    expect(t.toRaw('Third')).toBe('s0:c1,c3');
    expect(t.warnings.map((w) => w.line)).toEqual([2, 3]);
  });

  it('does not give one name to two levels', () => {
    const t = parseText(lines('s0:c1=Team', 's0:c2=Team'));
    expect(t.size).toBe(1);
    expect(t.toRaw('Team')).toBe('s0:c1');
    expect(t.toName('s0:c2')).toBeUndefined();
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]?.message).toBe(
      `name "Team" already names s0:c1 (${MAIN}:1): not applied to s0:c2; the name keeps resolving to s0:c1`,
    );
  });

  it('ignores an identical repeat silently', () => {
    const t = parseText(lines('s0=SystemLow', 's0 = SystemLow  # again'));
    expect(t.size).toBe(1);
    expect(t.warnings).toEqual([]);
  });

  it('does not apply a name that is itself a raw level', () => {
    const t = parseText(lines('s0=s1', 's0:c1=s0-s0:c2', 's2=Two'));
    expect(t.size).toBe(1);
    expect(t.toRaw('s1')).toBeUndefined();
    expect(t.toName('s0')).toBeUndefined();
    expect(t.warnings.map((w) => w.line)).toEqual([1, 2]);
    expect(t.warnings[0]?.message).toContain('is itself a raw level');
    expect(resolveLevelName('s1', t)).toBe('s1');
  });
});

describe('range names', () => {
  it('resolves nothing when the split is ambiguous, and shows no ambiguous name', () => {
    // "A-B-C" splits as A | B-C (s0-s0:c1) or as A-B | C (s0:c5-s0:c2,c5).
    const t = parseText(lines('s0=A', 's0:c1=B-C', 's0:c5=A-B', 's0:c2,c5=C'));
    expect(t.toRaw('A-B-C')).toBeUndefined();
    expect(t.toName('s0-s0:c1')).toBeUndefined();
    expect(t.toName('s0:c5-s0:c2,c5')).toBeUndefined();
    expect(t.toRaw('A-C')).toBe('s0-s0:c2,c5');
    expect(t.toName('s0-s0:c2,c5')).toBe('A-C');
  });

  it("never shows a composed name that is another entry's name", () => {
    const t = parseText(lines('s0=Low', 's1=High', 's2-s3=Low-High'));
    expect(t.toRaw('Low-High')).toBe('s2-s3');
    expect(t.toName('s0-s1')).toBeUndefined();
    expect(t.toName('s2-s3')).toBe('Low-High');
  });

  it('does not use a range name as one side of a range', () => {
    const t = parseText(lines('s0-s1=Span', 's2=Top', 's0=Bottom'));
    expect(t.toRaw('Span-Top')).toBeUndefined();
    expect(t.toRaw('Bottom-Top')).toBe('s0-s2');
  });

  it('stays fast on long request text full of "-"', () => {
    const t = parseText(lines('s0=System-Low', 's0:c0.c1023=System-High'));
    const long = `System-Low-${'s0:c1,'.repeat(9000)}c2`;
    const start = performance.now();
    expect(t.toRaw(long)).toBeUndefined();
    expect(t.toRaw('-'.repeat(65000))).toBeUndefined();
    expect(t.toRaw(`${'A-'.repeat(32000)}System-High`)).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('allows "-" inside names on either side', () => {
    const t = parseText(lines('s0=System-Low', 's0:c0.c1023=System-High'));
    expect(t.toName('s0-s0:c0.c1023')).toBe('System-Low-System-High');
    expect(t.toRaw('System-Low-System-High')).toBe('s0-s0:c0.c1023');
    expect(t.toRaw('System-Low-s0:c4')).toBe('s0-s0:c4');
  });
});

describe('resolveLevelName', () => {
  const t = parseSetrans(MAIN, memFs({ [MAIN]: fixture('mls-projects.conf') }).readFile);

  it.each<[string, string]>([
    ['s0:c2,c1', 's0:c1,c2'],
    ['s0-s0', 's0'],
    ['s0-s15:c0.c1023', 's0-s15:c0.c1023'],
    ['s5:c0,c1,c2', 's5:c0.c2'],
  ])('raw %j -> %j, with or without a translator', (text, raw) => {
    expect(resolveLevelName(text, t)).toBe(raw);
    expect(resolveLevelName(text, undefined)).toBe(raw);
  });

  it.each<[string, string]>([
    ['SystemHigh', 's15:c0.c1023'],
    ['TopSecret:ProjectA', 's5:c0.c10'],
    ['Company Confidential', 's0:c5'],
    ['SystemLow-SystemHigh', 's0-s15:c0.c1023'],
    ['SystemLow-Level15', 's0-s15'],
    ['Confidential:HR-TopSecret:ProjectA', 's3:c1,c3-s5:c0.c10'],
    ['Unclassified-s3:c1', 's1-s3:c1'],
  ])('name %j -> %j', (text, raw) => {
    expect(resolveLevelName(text, t)).toBe(raw);
  });

  it.each<string>(['Nope', 'systemhigh', 'TopSecret:ProjectA-Confidential:HR', '', 's0:c1024', 'SystemLow-'])(
    'refuses %j with a translator',
    (text) => {
      expect(syntaxError(() => resolveLevelName(text, t)).message).toBe(
        `${JSON.stringify(text)} is neither a level nor a name in setrans.conf`,
      );
    },
  );

  it.each<[string, string]>([
    ['SystemLow', 'sensitivity "SystemLow" must start with "s"'],
    ['s0:c1024', 'category c1024 is above c1023'],
    ['', 'MLS range is empty'],
  ])('without a translator rethrows the raw parse error for %j', (text, message) => {
    expect(syntaxError(() => resolveLevelName(text, undefined)).message).toBe(message);
  });
});

// ---------------------------------------------------------------- properties

const levelArb = (maxSens: number, maxCat: number, maxCats: number): fc.Arbitrary<Level> =>
  fc.record({
    sensitivity: fc.integer({ min: 0, max: maxSens }),
    categories: fc.uniqueArray(fc.integer({ min: 0, max: maxCat }), { maxLength: maxCats }).map((xs) => [...xs].sort((a, b) => a - b)),
  });

/** A range whose high dominates its low (often equal, i.e. a single level). */
const rangeArb = (maxSens: number, maxCat: number, maxCats: number): fc.Arbitrary<LevelRange> =>
  fc
    .tuple(
      levelArb(maxSens, maxCat, maxCats),
      fc.boolean(),
      fc.integer({ min: 0, max: 2 }),
      fc.uniqueArray(fc.integer({ min: 0, max: maxCat }), { maxLength: 3 }),
    )
    .map(([low, single, extraSens, extraCats]) => {
      if (single) return { low, high: low };
      const high: Level = {
        sensitivity: Math.min(maxSens, low.sensitivity + extraSens),
        categories: [...new Set([...low.categories, ...extraCats])].sort((a, b) => a - b),
      };
      return { low, high };
    });

/** Writes a level the long way round: categories listed one by one, highest first. */
function spellLevel(l: Level): string {
  if (l.categories.length === 0) return `s${l.sensitivity}`;
  return `s${l.sensitivity}:${[...l.categories]
    .reverse()
    .map((c) => `c${c}`)
    .join(',')}`;
}

function spellRange(r: LevelRange): string {
  return `${spellLevel(r.low)}-${spellLevel(r.high)}`;
}

/** Names as mcstrans allows them: spaces, ':', '-', '=', '>' inside; no '#'. */
const nameArb = fc.stringMatching(/^[A-Z][A-Za-z0-9_:.=> -]{0,16}[A-Za-z0-9]$/);

describe('properties', () => {
  it('random tables round-trip: toRaw(toName(raw)) === raw and toName(toRaw(name)) === name', () => {
    const table = fc
      .uniqueArray(rangeArb(15, 1023, 6), { minLength: 1, maxLength: 30, selector: (r) => formatMlsRange(r) })
      .chain((ranges) =>
        fc
          .uniqueArray(nameArb, { minLength: ranges.length, maxLength: ranges.length })
          .map((names) => ranges.map((r, k) => ({ range: r, name: names[k] as string }))),
      );
    fc.assert(
      fc.property(table, (entries) => {
        // Every other raw side is spelled long-hand (a single level as "sX-sX").
        const text = entries.map((e, k) => `${k % 2 === 0 ? spellRange(e.range) : formatMlsRange(e.range)} = ${e.name}`).join('\n');
        const t = parseText(text);
        expect(t.warnings).toEqual([]);
        expect(t.size).toBe(entries.length);
        for (const { range, name } of entries) {
          const raw = formatMlsRange(range);
          expect(t.toName(raw)).toBe(name);
          expect(t.toRaw(name)).toBe(raw);
          expect(t.toRaw(t.toName(raw) as string)).toBe(raw);
          expect(t.toName(t.toRaw(name) as string)).toBe(name);
          expect(resolveLevelName(name, t)).toBe(raw);
          expect(resolveLevelName(raw, t)).toBe(raw);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a name shown for any range resolves back to that range', () => {
    // Small domains and names made of "A", "B" and "-" make splits collide.
    const smallName = fc.stringMatching(/^[AB](-?[AB]){0,3}$/);
    const table = fc
      .uniqueArray(levelArb(2, 4, 3), { minLength: 1, maxLength: 10, selector: (l) => formatLevel(l) })
      .chain((levels) =>
        fc
          .uniqueArray(smallName, { minLength: levels.length, maxLength: levels.length })
          .map((names) => new Map(levels.map((l, k) => [formatLevel(l), names[k] as string]))),
      );
    let composed = 0;
    fc.assert(
      fc.property(table, levelArb(2, 4, 3), levelArb(2, 4, 3), (entries, a, b) => {
        const t = parseText([...entries].map(([raw, name]) => `${raw}=${name}`).join('\n'));
        const [low, high] = dominates(b, a) ? [a, b] : [b, a];
        const query = dominates(high, low) ? formatMlsRange({ low, high }) : formatLevel(a);
        const name = t.toName(query);
        // An entry is always shown by its own name; any other name shown
        // must resolve back to the query.
        const own = entries.get(query);
        if (own !== undefined) expect(name).toBe(own);
        if (name !== undefined) expect(t.toRaw(name)).toBe(query);
        if (name !== undefined && own === undefined) composed++;
      }),
      { numRuns: 1000 },
    );
    expect(composed).toBeGreaterThan(0);
  });

  it('raw text always resolves to itself, whatever the table', () => {
    fc.assert(
      fc.property(rangeArb(15, 1023, 20), (r) => {
        const t = parseText(lines('s0=SystemLow', 's0:c0.c1023=SystemHigh'));
        const raw = formatMlsRange(r);
        expect(resolveLevelName(spellRange(r), t)).toBe(raw);
        expect(resolveLevelName(raw, undefined)).toBe(raw);
      }),
      { numRuns: 300 },
    );
  });
});
