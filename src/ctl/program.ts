/**
 * mcsctl's commands: everything but the hooks' fast path (see main.ts).
 * Exit codes: 0 success, 1 the server refused, 2 usage error, 3 no server answered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CLIENT_FLAGS } from '../config/client-flags.js';
import { addFlags } from '../config/flags.js';
import { EXIT } from './client.js';
import { registerLeaseCommands } from './commands/lease.js';
import { registerLeasesCommands } from './commands/leases.js';
import { registerPoolCommands } from './commands/pool.js';
import { registerOciCommands } from './commands/oci.js';
import { registerDriftCommand } from '../agent/drift-command.js';

export const DEFAULT_SERVER = CLIENT_FLAGS[0].default;

/** The package's version, from the package.json above src/ctl or dist/src/ctl. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mcs-allocator' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function buildProgram(): Command {
  const program = addFlags(new Command('mcsctl'), CLIENT_FLAGS)
    .description('Client of mcs-allocator: lease, inspect and release SELinux MCS labels; OCI runtime hooks.')
    .version(packageVersion(), '--version', 'print the version')
    .option('--json', 'machine-readable output: the messages as returned, snake_case fields')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 the server refused (status and reason on stderr),
2 usage error, 3 server unreachable (no connection, or no answer within --timeout).

Examples:
  mcsctl allocate --host node-1 --workload web-1
  mcsctl --server 10.0.0.5:50051 leases list --host node-1
  mcsctl --json leases get aaata42dsjvpkud4
  MCS_SERVER=unix:/run/mcs-allocator.sock mcsctl pools stats
  mcsctl --tls-ca ca.pem --tls-cert me.pem --tls-key me.key release --host node-1 --workload web-1
`,
    );
  // Every command exits through the same override so that a usage error
  // anywhere is exit 2, and help is exit 0.
  const configure = (cmd: Command) => {
    cmd.exitOverride().showHelpAfterError();
    cmd.commands.forEach(configure);
  };
  registerLeaseCommands(program);
  registerLeasesCommands(program);
  registerPoolCommands(program);
  registerOciCommands(program);
  registerDriftCommand(program);
  program.commands.forEach(configure);
  return program;
}

/** Parses the command line and runs the command; exits with its code. */
export async function runProgram(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    const { code, exitCode } = err as { code?: string; exitCode?: number };
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Commander already printed the help or the usage error.
      process.exit(exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    process.stderr.write(`mcsctl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.refused);
  }
}
