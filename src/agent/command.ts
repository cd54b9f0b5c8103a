/**
 * `mcs-allocator agent`: the host agent's command line. Loaded only when the
 * command runs, so `serve` does not pay for the runtime adapters.
 */
import { Option, type Command } from 'commander';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { AGENT_DEFAULTS, AgentConfigError, buildAgentConfig, type AgentConfig, type AgentFlags } from './config.js';

function opt(flags: string, description: string, env: string, fallback?: string): Option {
  const o = new Option(flags, description).env(env);
  return fallback === undefined ? o : o.default(fallback);
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run the host agent: heartbeats, reconciles leases with what the container runtime runs, serves the OCI hooks.')
    .addOption(opt('--server <address>', 'the service: host:port or unix:/path', 'MCS_SERVER', AGENT_DEFAULTS.server))
    .addOption(opt('--host <name>', 'this host\'s name in the service (default: the hostname)', 'MCS_HOST'))
    .addOption(opt('--runtime <kind>', 'podman (libpod REST API) or cri (CRI-O, containerd)', 'MCS_RUNTIME', AGENT_DEFAULTS.runtime))
    .addOption(opt('--runtime-socket <path>', 'the runtime\'s API socket (default: podman /run/podman/podman.sock; cri the first of /run/containerd/containerd.sock, /run/crio/crio.sock)', 'MCS_RUNTIME_SOCKET'))
    .addOption(opt('--state-dir <dir>', 'durable state: the release spool and the levels precreate granted', 'MCS_STATE_DIR', AGENT_DEFAULTS.stateDir))
    .addOption(opt('--socket <path>', 'the hooks\' socket (mode 0600)', 'MCS_AGENT_SOCKET', AGENT_DEFAULTS.socket))
    .addOption(opt('--tls-ca <file>', 'CA certificate (PEM) to verify the server with; any --tls-* flag turns TLS on', 'MCS_TLS_CA'))
    .addOption(opt('--tls-cert <file>', 'client certificate (PEM), with --tls-key', 'MCS_TLS_CERT'))
    .addOption(opt('--tls-key <file>', 'client private key (PEM), with --tls-cert', 'MCS_TLS_KEY'))
    .addOption(opt('--reconcile-interval <seconds>', 'how often to reconcile with the runtime\'s truth', 'MCS_RECONCILE_INTERVAL', AGENT_DEFAULTS.reconcileInterval))
    .addOption(opt('--heartbeat-interval <seconds>', 'heartbeat period when the server has no --host-ttl (with one: a third of it)', 'MCS_HEARTBEAT_INTERVAL', AGENT_DEFAULTS.heartbeatInterval))
    .addOption(opt('--new-lease-grace <seconds>', 'keep a lease this young although nothing runs under its workload id yet (mcsctl allocate before podman run)', 'MCS_NEW_LEASE_GRACE', AGENT_DEFAULTS.newLeaseGrace))
    .addOption(opt('--cluster-lease-ttl <seconds>', 'TTL the Kubernetes webhook\'s pod leases are renewed to while their sandboxes run here', 'MCS_CLUSTER_LEASE_TTL', AGENT_DEFAULTS.clusterLeaseTtl))
    .addOption(opt('--cluster-host <name>', 'the Kubernetes webhook\'s cluster host (its --host), where a lost pod lease is leased again', 'MCS_CLUSTER_HOST', AGENT_DEFAULTS.clusterHost))
    .addOption(opt('--timeout <seconds>', 'deadline of each call to the service', 'MCS_TIMEOUT', AGENT_DEFAULTS.timeout))
    .addOption(opt('--retry-for <seconds>', 'how long a precreate keeps trying a service that is away or recovering its pool (at most 25)', 'MCS_PRECREATE_RETRY_FOR', AGENT_DEFAULTS.retryFor))
    .addOption(opt('--privileged-type <type>', 'process type that means "no separation" (the server\'s --privileged-type)', 'MCS_PRIVILEGED_TYPE', AGENT_DEFAULTS.privilegedType))
    .addOption(opt('--selinux <mode>', 'auto (look for /sys/fs/selinux/enforce), enabled or disabled', 'MCS_SELINUX', AGENT_DEFAULTS.selinux))
    .addOption(opt('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'MCS_LOG_LEVEL', AGENT_DEFAULTS.logLevel))
    .addOption(opt('--log-format <format>', 'json (one object per line) or pretty (for humans)', 'MCS_LOG_FORMAT', AGENT_DEFAULTS.logFormat))
    .addHelpText(
      'after',
      `
Hooks find the agent at ${AGENT_DEFAULTS.socket} without configuration. See README.md, "The host agent".

Examples:
  mcs-allocator agent --server 127.0.0.1:50051
  mcs-allocator agent --runtime cri --runtime-socket /run/containerd/containerd.sock --host node-1
`,
    )
    .action(async (flags: AgentFlags) => {
      let config: AgentConfig;
      try {
        config = buildAgentConfig(flags);
      } catch (err) {
        if (!(err instanceof AgentConfigError)) throw err;
        process.stderr.write(`mcs-allocator agent: ${err.message}\n`);
        process.exit(2);
      }
      await runAgent(config);
    });
}

function agentLogger(config: AgentConfig): Logger {
  const options = { level: config.logLevel, base: { service: 'mcs-allocator-agent', host: config.host } };
  return config.logFormat === 'pretty' ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true })) : pino(options, pino.destination({ dest: 1, sync: true }));
}

async function runAgent(config: AgentConfig): Promise<void> {
  const log = agentLogger(config);
  const [{ Agent }, { HookServer }, { createRuntime }] = await Promise.all([import('./agent.js'), import('./hook-server.js'), import('./runtime-factory.js')]);
  let agent;
  let hooks;
  try {
    const runtime = createRuntime(config, log);
    agent = new Agent(config, runtime, log);
    hooks = new HookServer(agent, config.socket);
    await hooks.listen();
    await agent.start();
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot start');
    await hooks?.close().catch(() => undefined);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, spooled: agent.spool.size }, 'shutting down');
    void Promise.allSettled([hooks.close(), agent.stop()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
