/**
 * Lines of the code people write stay within Prettier's width (140,
 * .prettierrc.json). Prettier wraps code but leaves a long string, comment
 * or Lua line whole, so this holds those to it too. Not checked: what a
 * generator writes (src/generated) and the tests, whose expected messages,
 * patterns and recorded runtime output read best as one literal each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const WIDTH = 140;
const CODE = /\.(ts|mjs|cjs|js|lua)$/;
const SKIP = new Set(['node_modules', 'results', 'generated']);

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : files(path);
    return CODE.test(entry.name) ? [path] : [];
  });
}

/** `file:line (width)` of every line wider than WIDTH, counted in characters as Prettier counts them. */
function wideLines(file: string): string[] {
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .flatMap((line, i) => ([...line].length > WIDTH ? [`${file}:${i + 1} (${[...line].length})`] : []));
}

describe('line width', () => {
  const checked = ['src', 'bench', 'testkit', 'scripts'].flatMap(files);

  it('finds the files it checks, TypeScript and Lua both', () => {
    expect(checked.some((f) => f.endsWith('.lua'))).toBe(true);
    expect(checked.filter((f) => f.endsWith('.ts')).length).toBeGreaterThan(100);
    expect(checked.some((f) => f.startsWith('src/generated/'))).toBe(false);
  });

  it(`no line of src/, bench/, testkit/ or scripts/ is wider than ${WIDTH} characters`, () => {
    expect(checked.flatMap(wideLines)).toEqual([]);
  });

  it('reports the wide lines of a file that has them (the generated types, not checked above)', () => {
    expect(wideLines('src/generated/allocator.ts')).toContainEqual(expect.stringMatching(/^src\/generated\/allocator\.ts:\d+ \(\d+\)$/));
  });
});
