// Compiles TypeScript to dist/ and copies the Lua scripts next to the code that loads them.
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/store/scripts', 'dist/src/store/scripts', { recursive: true });
cpSync('src/generated/package.json', 'dist/src/generated/package.json');
// The hooks' executable: one CommonJS file with only Node's built-ins in
// it, so that a container start does not pay for resolving a module graph.
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: ['src/ctl/hook-entry.ts'],
  outfile: 'dist/src/ctl/hook-entry.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
// The executables (package.json bin) run straight from dist/, e.g. as OCI hooks.
for (const bin of ['dist/src/cli.js', 'dist/src/ctl/main.js', 'dist/src/ctl/hook-entry.cjs']) chmodSync(bin, 0o755);
writeFileSync('dist/.built', new Date().toISOString() + '\n');
