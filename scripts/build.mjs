// Compiles TypeScript to dist/ and copies the Lua scripts next to the code that loads them.
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/store/scripts', 'dist/src/store/scripts', { recursive: true });
cpSync('src/generated/package.json', 'dist/src/generated/package.json');
// The two executables (package.json bin) run straight from dist/, e.g. as OCI hooks.
for (const bin of ['dist/src/cli.js', 'dist/src/ctl/main.js']) chmodSync(bin, 0o755);
writeFileSync('dist/.built', new Date().toISOString() + '\n');
