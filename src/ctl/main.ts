#!/usr/bin/env node
/**
 * mcsctl: the operator's and the runtime's client of mcs-allocator.
 * Exit codes: 0 success, 1 the server refused, 2 usage error, 3 no server answered.
 *
 * The OCI hooks run on every container start and stop, so they take a path
 * that loads nothing heavy (hook.ts: the host agent does the work); every
 * other command, and a hook without an agent, loads the full client.
 */
import { parseHookArgs, runHook } from './hook.js';

const hook = parseHookArgs(process.argv.slice(2));
if (hook) {
  const outcome = await runHook(hook);
  if (outcome.code !== undefined) process.exit(outcome.code);
  if (outcome.input !== undefined) (await import('./commands/oci.js')).setHookInput(outcome.input);
}
await (await import('./program.js')).runProgram();
