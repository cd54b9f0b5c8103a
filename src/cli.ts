#!/usr/bin/env node
import { Command, Option } from 'commander';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { buildServeConfig, ConfigError, DEFAULTS, type ServeOptions } from './config.js';
import { startServer, type RunningServer } from './server/server.js';

/** Exit codes of `mcs-allocator serve`. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function opt(flags: string, description: string, env: string, fallback?: string): Option {
  const o = new Option(flags, description).env(env);
  return fallback === undefined ? o : o.default(fallback);
}

const program = new Command('mcs-allocator')
  .description('Leases unique SELinux MCS labels to container runtimes, with state in Redis.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description('Run the gRPC service.')
  .addOption(opt('--listen <addr>', 'gRPC address, host:port or unix:/path', 'MCS_LISTEN', DEFAULTS.listen))
  .addOption(opt('--redis <url>', 'redis://, rediss:// or a unix socket path; without it an embedded redis-server is started', 'MCS_REDIS_URL'))
  .addOption(opt('--tls-cert <file>', 'PEM certificate of the gRPC port (turns TLS on)', 'MCS_TLS_CERT'))
  .addOption(opt('--tls-key <file>', 'PEM private key of --tls-cert', 'MCS_TLS_KEY'))
  .addOption(opt('--tls-client-ca <file>', 'CA whose certificates clients must present (mutual TLS)', 'MCS_TLS_CLIENT_CA'))
  .addOption(opt('--authz <file>', 'authorization policy (YAML or JSON): identities to roles and hosts', 'MCS_AUTHZ'))
  .addOption(opt('--host-quota <n|p%>', 'pairs one host may hold, or a percentage of the pool (0 = no limit)', 'MCS_HOST_QUOTA', DEFAULTS.hostQuota))
  .addOption(opt('--host-static-quota <n>', 'static levels of one, or of three or more, categories one host may hold (0 = no limit)', 'MCS_HOST_STATIC_QUOTA', DEFAULTS.hostStaticQuota))
  .addOption(opt('--max-static-pairs <n>', 'most pairs one static level may cover (keep out of the pool); wider levels are refused before any work (0 = no limit)', 'MCS_MAX_STATIC_PAIRS', DEFAULTS.maxStaticPairs))
  .addOption(opt('--max-watches-per-client <n>', 'WatchLeases streams one client may hold open', 'MCS_MAX_WATCHES_PER_CLIENT', DEFAULTS.maxWatchesPerClient))
  .addOption(opt('--max-concurrent-reconciles <n>', 'Reconcile calls that run at once; the others wait their turn (within their deadline)', 'MCS_MAX_CONCURRENT_RECONCILES', DEFAULTS.maxConcurrentReconciles))
  .addOption(opt('--max-connections <n>', 'connections the gRPC port accepts at once; more are closed at once (0 = no limit)', 'MCS_MAX_CONNECTIONS', DEFAULTS.maxConnections))
  .addOption(opt('--max-connections-per-address <n>', 'connections one remote address may hold open (0 = no limit)', 'MCS_MAX_CONNECTIONS_PER_ADDRESS', DEFAULTS.maxConnectionsPerAddress))
  .addOption(opt('--handshake-timeout <seconds>', 'a connection that has not finished its TLS handshake (or sent its HTTP/2 preface) by then is closed', 'MCS_HANDSHAKE_TIMEOUT', DEFAULTS.handshakeTimeout))
  .addOption(opt('--idle-timeout <seconds>', 'a connection that carries no call for this long is closed (clients reconnect)', 'MCS_IDLE_TIMEOUT', DEFAULTS.idleTimeout))
  .addOption(opt('--redis-sentinels <host:port,...>', 'Sentinels that know the primary (with --redis-master-name)', 'MCS_REDIS_SENTINELS'))
  .addOption(opt('--redis-master-name <name>', 'name the Sentinels monitor the primary under', 'MCS_REDIS_MASTER_NAME'))
  .addOption(opt('--redis-cluster <host:port,...>', 'seed nodes of a Redis Cluster', 'MCS_REDIS_CLUSTER'))
  .addOption(opt('--redis-tls-ca <file>', 'CA that signed the Redis servers\' certificates (for rediss:// and TLS nodes)', 'MCS_REDIS_TLS_CA'))
  .addOption(opt('--redis-tls-cert <file>', 'client certificate for Redis (when Redis requires one)', 'MCS_REDIS_TLS_CERT'))
  .addOption(opt('--redis-tls-key <file>', 'key of --redis-tls-cert', 'MCS_REDIS_TLS_KEY'))
  .addOption(opt('--redis-min-replicas <n>', 'replica acknowledgements each change waits for before the RPC answers (WAIT)', 'MCS_REDIS_MIN_REPLICAS', DEFAULTS.redisMinReplicas))
  .addOption(opt('--data-dir <dir>', 'directory of the embedded redis-server', 'MCS_DATA_DIR', DEFAULTS.dataDir))
  .addOption(opt('--pool <name>', 'pool name; pools sharing a Redis are independent', 'MCS_POOL', DEFAULTS.pool))
  .addOption(opt('--categories <range>', 'category range of the pool', 'MCS_CATEGORIES', DEFAULTS.categories))
  .addOption(opt('--sensitivity <sN>', 'sensitivity of the pool\'s levels (MLS), s0 to s1023', 'MCS_SENSITIVITY', DEFAULTS.sensitivity))
  .addOption(opt('--setrans <file>', 'setrans.conf whose level names requests may use (e.g. TopSecret)', 'MCS_SETRANS'))
  .addOption(opt('--profile <name|file>', 'context profile: container, svirt, or a container_contexts file', 'MCS_PROFILE', DEFAULTS.profile))
  .addOption(opt('--reserved <levels>', `pairs never handed out, separated by ";" or spaces, or "none" (default "${DEFAULTS.reserved}" when inside the range)`, 'MCS_RESERVED'))
  .addOption(opt('--allowed-types <types>', 'process types options.type may name, comma-separated (default: the profiles\' process types)', 'MCS_ALLOWED_TYPES'))
  .addOption(opt('--allowed-file-types <types>', 'file types options.filetype may name (default: the profiles\' file types)', 'MCS_ALLOWED_FILE_TYPES'))
  .addOption(opt('--privileged-type <type>', 'process type of a disabled label (options.disable)', 'MCS_PRIVILEGED_TYPE', DEFAULTS.privilegedType))
  .addOption(opt('--home-dirs <paths>', 'home directories never to relabel, comma- or colon-separated (beyond /root and /home/<user>)', 'MCS_HOME_DIRS'))
  .addOption(opt('--host-ttl <seconds>', 'a host whose heartbeats stop for this long loses its leases (0 = never)', 'MCS_HOST_TTL', DEFAULTS.hostTtl))
  .addOption(opt('--recovery-window <seconds>', 'after Redis lost the pool and it was created again: how long new leases wait for hosts to report what they run (0 = never wait)', 'MCS_RECOVERY_WINDOW', DEFAULTS.recoveryWindow))
  .addOption(opt('--stable-retention <seconds>', 'the longest a pair stays held for its stable key after its lease ended (0 = stable keys hold nothing)', 'MCS_STABLE_RETENTION', DEFAULTS.stableRetention))
  .addOption(opt('--cluster-stable-keys <patterns>', 'stable keys that are cluster-wide, comma-separated, * for any run (default: none: every key is per host)', 'MCS_CLUSTER_STABLE_KEYS'))
  .addOption(opt('--event-retention <n>', 'lease events kept for WatchLeases to replay (about; 0 = none)', 'MCS_EVENT_RETENTION', DEFAULTS.eventRetention))
  .addOption(opt('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'MCS_LOG_LEVEL', DEFAULTS.logLevel))
  .addOption(opt('--log-format <format>', 'json (one object per line) or pretty (for humans)', 'MCS_LOG_FORMAT', DEFAULTS.logFormat))
  .addOption(opt('--metrics-listen <addr>', 'host:port of the Prometheus endpoint GET /metrics, or "none"', 'MCS_METRICS_LISTEN', DEFAULTS.metricsListen))
  .addOption(opt('--redis-timeout <ms>', 'longest wait for one Redis call before answering UNAVAILABLE', 'MCS_REDIS_TIMEOUT', DEFAULTS.redisTimeout))
  .addOption(opt('--reap-interval <ms>', 'how often expired leases are reclaimed', 'MCS_REAP_INTERVAL', DEFAULTS.reapInterval))
  .addOption(opt('--shutdown-grace <seconds>', 'time in-flight calls get to finish on SIGTERM/SIGINT', 'MCS_SHUTDOWN_GRACE', DEFAULTS.shutdownGrace))
  // Benchmark only (npm run bench): also serve mcs.bench.v1.Bench/Noop. Not in the help.
  .addOption(new Option('--bench-noop', 'serve the benchmark no-op RPC').env('MCS_BENCH_NOOP').hideHelp())
  .addHelpText(
    'after',
    `
Examples:
  mcs-allocator serve                                  # embedded redis-server in ./.mcs-data
  mcs-allocator serve --redis redis://10.0.0.5:6379 --listen 0.0.0.0:50051
  MCS_CATEGORIES=c0.c255 mcs-allocator serve --pool lab`,
  )
  .action(async (raw: ServeOptions) => {
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
    const log = config.logFormat === 'pretty' ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true })) : pino(options, jsonLogDestination());
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
  process.stderr.write(`mcs-allocator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(EXIT.failed);
}
