// Makes `npm start` and `npm test` work on a fresh clone: installs the
// locked dependencies when they are missing and rebuilds dist/ when a
// source file is newer than the last build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs) {
  console.error('mcs-allocator: installing dependencies (npm ci)...');
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

function newest(dir, skip = new Set()) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (skip.has(p)) continue;
    t = Math.max(t, entry.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return t;
}

const built = existsSync('dist/.built') ? statSync('dist/.built').mtimeMs : 0;
// bench/ is compiled too (dist/bench, for `npm run bench`), with testkit/
// (the harness it shares with the tests); its results/ folder is output, not source.
const sources = Math.max(
  newest('src'),
  newest('proto'),
  newest('bench', new Set([join('bench', 'results')])),
  newest('testkit'),
  statSync('tsconfig.build.json').mtimeMs,
  statSync('package-lock.json').mtimeMs,
);
if (sources > built) {
  console.error('mcs-allocator: building (tsc)...');
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
