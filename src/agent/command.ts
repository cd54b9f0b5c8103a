/**
 * `mcs-allocator agent`: the host agent's command line. Loaded only when the
 * command runs, so `serve` does not pay for the runtime adapters.
 */
import type { Command } from 'commander';
import { addFlags } from '../config/flags.js';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { AGENT_DEFAULTS, AGENT_FLAGS, AgentConfigError, buildAgentConfig, type AgentConfig, type AgentFlags } from './config.js';

export function registerAgentCommand(program: Command): void {
  addFlags(
    program
      .command('agent')
      .description('Run the host agent: heartbeats, reconciles leases with what the container runtime runs, serves the OCI hooks.'),
    AGENT_FLAGS,
  )
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
  return config.logFormat === 'pretty'
    ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true }))
    : pino(options, pino.destination({ dest: 1, sync: true }));
}

async function runAgent(config: AgentConfig): Promise<void> {
  const log = agentLogger(config);
  const [{ Agent }, { HookServer }, { createRuntime }] = await Promise.all([
    import('./agent.js'),
    import('./hook-server.js'),
    import('./runtime-factory.js'),
  ]);
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
