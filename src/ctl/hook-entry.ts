/**
 * `mcsctl-hook`: the OCI hooks' own executable, bundled by the build into
 * one CommonJS file (dist/src/ctl/hook-entry.cjs) with nothing but Node's
 * built-ins in it: no module graph to resolve at start, which saves a
 * container start some 10-20 ms per hook over `mcsctl oci ...` (same
 * arguments, same behaviour). When no agent answers it loads the full
 * mcsctl from the same directory.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseHookArgs, runHook } from './hook.js';

async function fullMcsctl(input: string | undefined): Promise<void> {
  const dir = dirname(realpathSync(process.argv[1] ?? '.'));
  const load = (file: string) => import(pathToFileURL(join(dir, file)).href);
  if (input !== undefined) ((await load('commands/oci.js')) as typeof import('./commands/oci.js')).setHookInput(input);
  await ((await load('program.js')) as typeof import('./program.js')).runProgram();
}

async function main(): Promise<void> {
  const hook = parseHookArgs(process.argv.slice(2));
  if (!hook) return fullMcsctl(undefined);
  const outcome = await runHook(hook);
  if (outcome.code !== undefined) process.exit(outcome.code);
  return fullMcsctl(outcome.input);
}

void main();
