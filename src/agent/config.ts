/**
 * `mcs-allocator agent`'s flags: each has an MCS_ environment variable,
 * and every value is checked here, so that a bad one stops the agent at
 * start with a message naming the flag.
 */
import { hostname } from 'node:os';
import { DEFAULT_AGENT_SOCKET, selinuxMode, type SelinuxMode } from './hook-protocol.js';

export interface AgentFlags {
  server: string;
  host?: string;
  runtime: string;
  runtimeSocket?: string;
  stateDir: string;
  socket: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  reconcileInterval: string;
  heartbeatInterval: string;
  newLeaseGrace: string;
  clusterLeaseTtl?: string;
  clusterHost?: string;
  timeout: string;
  retryFor: string;
  privilegedType: string;
  selinux: string;
  logLevel: string;
  logFormat: string;
}

export const AGENT_DEFAULTS = {
  server: '127.0.0.1:50051',
  runtime: 'podman',
  stateDir: '/var/lib/mcs-allocator/agent',
  socket: DEFAULT_AGENT_SOCKET,
  reconcileInterval: '60',
  heartbeatInterval: '30',
  newLeaseGrace: '60',
  clusterLeaseTtl: '600',
  clusterHost: 'kubernetes',
  timeout: '10',
  retryFor: '10',
  privilegedType: 'spc_t',
  selinux: 'auto',
  logLevel: 'info',
  logFormat: 'json',
} as const;

export interface AgentConfig {
  readonly server: string;
  readonly host: string;
  readonly runtime: 'podman' | 'cri';
  /** Undefined: the runtime adapter's default socket. */
  readonly runtimeSocket: string | undefined;
  readonly stateDir: string;
  readonly socket: string;
  readonly tls: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly reconcileIntervalMs: number;
  /** Heartbeat period when the server binds no lease to host liveness (else ttl/3). */
  readonly heartbeatIntervalMs: number;
  readonly newLeaseGraceMs: number;
  /** TTL the agent renews the Kubernetes webhook's pod leases to, while their sandboxes run here (seconds). */
  readonly clusterLeaseTtlSeconds: number;
  /** The Kubernetes webhook's cluster host (its --host): where a pod lease that was lost is leased again. */
  readonly clusterHost: string;
  readonly timeoutMs: number;
  /** How long a precreate keeps trying a service that is away or recovering. */
  readonly retryForMs: number;
  readonly privilegedType: string;
  readonly selinux: SelinuxMode;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
}

export class AgentConfigError extends Error {
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'AgentConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOST_RE = /^[A-Za-z0-9._-]{1,253}$/;

function seconds(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new AgentConfigError(flag, `${JSON.stringify(value)} is not a number of seconds between ${min} and ${max}`);
  }
  return Math.round(n * 1000);
}

function clusterHostName(value: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/.test(value)) throw new AgentConfigError('--cluster-host', `${JSON.stringify(value)} is not a host name`);
  return value;
}

function absolute(flag: string, path: string): string {
  if (!path.startsWith('/')) throw new AgentConfigError(flag, `${JSON.stringify(path)} is not an absolute path`);
  return path;
}

export function buildAgentConfig(f: AgentFlags, defaultHost: () => string = hostname): AgentConfig {
  const host = f.host || defaultHost();
  if (!HOST_RE.test(host)) throw new AgentConfigError('--host', `${JSON.stringify(host)} is not a host name (letters, digits, '.', '-', '_'; at most 253)`);
  if (f.runtime !== 'podman' && f.runtime !== 'cri') throw new AgentConfigError('--runtime', `${JSON.stringify(f.runtime)} is not podman or cri`);
  if (!f.server.trim()) throw new AgentConfigError('--server', 'is empty');
  if (Boolean(f.tlsCert) !== Boolean(f.tlsKey)) throw new AgentConfigError('--tls-cert', 'goes with --tls-key (a client certificate needs its key)');
  if (!LOG_LEVELS.includes(f.logLevel)) throw new AgentConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  if (f.logFormat !== 'json' && f.logFormat !== 'pretty') throw new AgentConfigError('--log-format', 'must be json or pretty');
  let selinux: SelinuxMode;
  try {
    selinux = selinuxMode(f.selinux);
  } catch {
    throw new AgentConfigError('--selinux', `${JSON.stringify(f.selinux)} is not auto, enabled or disabled`);
  }
  if (!f.privilegedType.trim()) throw new AgentConfigError('--privileged-type', 'is empty');
  return {
    server: f.server.trim(),
    host,
    runtime: f.runtime,
    runtimeSocket: f.runtimeSocket ? absolute('--runtime-socket', f.runtimeSocket) : undefined,
    stateDir: absolute('--state-dir', f.stateDir),
    socket: absolute('--socket', f.socket),
    tls: { ...(f.tlsCa ? { ca: f.tlsCa } : {}), ...(f.tlsCert ? { cert: f.tlsCert } : {}), ...(f.tlsKey ? { key: f.tlsKey } : {}) },
    reconcileIntervalMs: seconds('--reconcile-interval', f.reconcileInterval, 1, 86_400),
    heartbeatIntervalMs: seconds('--heartbeat-interval', f.heartbeatInterval, 0.5, 3_600),
    newLeaseGraceMs: seconds('--new-lease-grace', f.newLeaseGrace, 0, 86_400),
    clusterHost: clusterHostName(f.clusterHost ?? AGENT_DEFAULTS.clusterHost),
    clusterLeaseTtlSeconds: Math.round(seconds('--cluster-lease-ttl', f.clusterLeaseTtl ?? AGENT_DEFAULTS.clusterLeaseTtl, 30, 7 * 86_400) / 1000),
    timeoutMs: seconds('--timeout', f.timeout, 0.1, 600),
    retryForMs: seconds('--retry-for', f.retryFor, 0, 25),
    privilegedType: f.privilegedType.trim(),
    selinux,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
}
