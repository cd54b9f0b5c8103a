/** The runtime adapter the agent's flags name. */
import type { AgentConfig } from './config.js';
import { CriRuntime } from './runtime/cri.js';
import { PodmanRuntime } from './runtime/podman.js';
import type { ContainerRuntime, RuntimeLogger } from './runtime/types.js';

export function createRuntime(config: Pick<AgentConfig, 'runtime' | 'runtimeSocket'>, logger: RuntimeLogger): ContainerRuntime {
  const socket = config.runtimeSocket ? { socketPath: config.runtimeSocket } : {};
  return config.runtime === 'podman' ? new PodmanRuntime({ ...socket, logger }) : new CriRuntime({ ...socket, logger });
}
