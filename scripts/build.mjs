// Compiles TypeScript to dist/ and copies the Lua scripts next to the code that loads them.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/store/scripts', 'dist/src/store/scripts', { recursive: true });
cpSync('src/generated/package.json', 'dist/src/generated/package.json');
writeFileSync('dist/.built', new Date().toISOString() + '\n');
