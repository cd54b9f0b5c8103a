#!/usr/bin/env node
import { Command } from 'commander';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { addFlags } from './config/flags.js';
import { ConfigError } from './config/parsers.js';
import { SERVE_FLAGS, type ServeOptions } from './config/serve-flags.js';
import type { RunningServer } from './server/server.js';

/** Exit codes of `mcs-allocator serve`. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const program = new Command('mcs-allocator')
  .description('Leases unique SELinux MCS labels to container runtimes, with state in Redis.')
  .showHelpAfterError()
  .exitOverride();

addFlags(program.command('serve').description('Run the gRPC service.'), SERVE_FLAGS)
  .addHelpText(
    'after',
    `
Examples:
  mcs-allocator serve                                  # embedded redis-server in ./.mcs-data
  mcs-allocator serve --redis redis://10.0.0.5:6379 --listen 0.0.0.0:50051
  MCS_CATEGORIES=c0.c255 mcs-allocator serve --pool lab`,
  )
  .action(async (raw: ServeOptions) => {
    // Loaded here, not above: the agent and the webhook need neither the
    // gRPC server nor (the agent) Redis, and start smaller without them.
    const [{ buildServeConfig }, { startServer }] = await Promise.all([import('./config/serve-config.js'), import('./server/server.js')]);
    let config;
    try {
      config = buildServeConfig(raw);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`mcs-allocator: ${err.message}\n`);
        process.exit(EXIT.usage);
      }
      throw err;
    }
    const options = { level: config.logLevel, base: { service: 'mcs-allocator', pool: config.pool } };
    const log =
      config.logFormat === 'pretty'
        ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true }))
        : pino(options, jsonLogDestination());
    let server: RunningServer | undefined;
    let signals = 0;
    const shutdown = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(EXIT.failed);
      }
      if (!server) {
        // Still starting: exit now. process.exit runs the 'exit' hooks, which
        // stop an embedded redis-server already spawned; dying by the
        // signal's default action would leave it running.
        log.info({ signal }, 'signal during startup: exiting');
        process.exit(EXIT.ok);
      }
      log.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(EXIT.ok),
        (err) => {
          log.error({ err: (err as Error).message }, 'shutdown failed');
          process.exit(EXIT.failed);
        },
      );
    };
    // Before startServer, so that a signal during startup is handled too.
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    try {
      server = await startServer(config, log);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.fatal({ err: message }, 'cannot start');
      process.stderr.write(`mcs-allocator: ${message}\n`);
      process.exit(EXIT.failed);
    }
  });

(await import('./agent/command.js')).registerAgentCommand(program);
(await import('./webhook/command.js')).registerWebhookCommand(program);

/**
 * stdout for the JSON log, written in batches: one write(2) per log line
 * cost as much CPU as a third of an Allocate. Lines wait at most
 * LOG_FLUSH_MS or until LOG_BATCH_BYTES have gathered, and whatever is
 * pending is written out when the process exits (a SIGKILL loses at most
 * one batch).
 */
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 100;
function jsonLogDestination() {
  const destination = pino.destination({ dest: 1, sync: true, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
  process.on('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout is gone: nothing left to write to.
    }
  });
  return destination;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const { code, exitCode } = err as { code?: string; exitCode?: number };
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // Commander already printed the help or the usage error.
    process.exit(exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  process.stderr.write(`mcs-allocator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(EXIT.failed);
}
