/**
 * `mcs-allocator agent`'s flags: each has an MCS_ environment variable,
 * and every value is checked here, so that a bad one stops the agent at
 * start with a message naming the flag.
 */
import { hostname } from 'node:os';
import { CLIENT_FLAGS } from '../config/client-flags.js';
import { defaultsOf, pick, type FlagDefaults, type FlagSpec, type FlagValues } from '../config/flags.js';
import { LOG_FLAGS } from '../config/log-flags.js';
import { DEFAULT_AGENT_SOCKET, selinuxMode, type SelinuxMode } from './hook-protocol.js';

/**
 * The flags of `mcs-allocator agent`, one row each (see config/flags.ts):
 * the commander options, their variables, AGENT_DEFAULTS and AgentFlags come
 * from this table, and test/unit/config-flags.test.ts checks it against the
 * README's table of the agent's flags.
 */
export const AGENT_FLAGS = [
  ...pick(CLIENT_FLAGS, ['server']),
  { key: 'host', flag: '--host', arg: '<name>', env: 'MCS_HOST', help: "this host's name in the service (default: the hostname)" },
  {
    key: 'runtime',
    flag: '--runtime',
    arg: '<kind>',
    env: 'MCS_RUNTIME',
    default: 'podman',
    help: 'podman (libpod REST API) or cri (CRI-O, containerd)',
  },
  {
    key: 'runtimeSocket',
    flag: '--runtime-socket',
    arg: '<path>',
    env: 'MCS_RUNTIME_SOCKET',
    help:
      "the runtime's API socket (default: podman /run/podman/podman.sock; " +
      'cri the first of /run/containerd/containerd.sock, /run/crio/crio.sock)',
  },
  {
    key: 'stateDir',
    flag: '--state-dir',
    arg: '<dir>',
    env: 'MCS_STATE_DIR',
    default: '/var/lib/mcs-allocator/agent',
    help: 'durable state: the release spool and the levels precreate granted',
  },
  {
    key: 'socket',
    flag: '--socket',
    arg: '<path>',
    env: 'MCS_AGENT_SOCKET',
    default: DEFAULT_AGENT_SOCKET,
    help: "the hooks' socket (mode 0600)",
  },
  ...pick(CLIENT_FLAGS, ['tlsCa', 'tlsCert', 'tlsKey']),
  {
    key: 'reconcileInterval',
    flag: '--reconcile-interval',
    arg: '<seconds>',
    env: 'MCS_RECONCILE_INTERVAL',
    default: '60',
    help: "how often to reconcile with the runtime's truth",
  },
  {
    key: 'heartbeatInterval',
    flag: '--heartbeat-interval',
    arg: '<seconds>',
    env: 'MCS_HEARTBEAT_INTERVAL',
    default: '30',
    help: 'heartbeat period when the server has no --host-ttl (with one: a third of it)',
  },
  {
    key: 'newLeaseGrace',
    flag: '--new-lease-grace',
    arg: '<seconds>',
    env: 'MCS_NEW_LEASE_GRACE',
    default: '60',
    help: 'keep a lease this young although nothing runs under its workload id yet (mcsctl allocate before podman run)',
  },
  {
    key: 'clusterLeaseTtl',
    flag: '--cluster-lease-ttl',
    arg: '<seconds>',
    env: 'MCS_CLUSTER_LEASE_TTL',
    default: '600',
    help: "TTL the Kubernetes webhook's pod leases are renewed to while their sandboxes run here",
  },
  {
    key: 'clusterHost',
    flag: '--cluster-host',
    arg: '<name>',
    env: 'MCS_CLUSTER_HOST',
    default: 'kubernetes',
    help: "the Kubernetes webhook's cluster host (its --host), where a lost pod lease is leased again",
  },
  ...pick(CLIENT_FLAGS, ['timeout']),
  {
    key: 'retryFor',
    flag: '--retry-for',
    arg: '<seconds>',
    env: 'MCS_PRECREATE_RETRY_FOR',
    default: '10',
    help: 'how long a precreate keeps trying a service that is away or recovering its pool (at most 25)',
  },
  {
    key: 'privilegedType',
    flag: '--privileged-type',
    arg: '<type>',
    env: 'MCS_PRIVILEGED_TYPE',
    default: 'spc_t',
    help: 'process type that means "no separation" (the server\'s --privileged-type)',
  },
  {
    key: 'selinux',
    flag: '--selinux',
    arg: '<mode>',
    env: 'MCS_SELINUX',
    default: 'auto',
    help: 'auto (look for /sys/fs/selinux/enforce), enabled or disabled',
  },
  ...LOG_FLAGS,
] as const satisfies readonly FlagSpec[];

type Spec = (typeof AGENT_FLAGS)[number];

/** Raw option values as the command line (or its environment variables) gave them. */
export type AgentFlags = FlagValues<Spec>;

export const AGENT_DEFAULTS = Object.freeze(defaultsOf(AGENT_FLAGS)) as FlagDefaults<Spec>;

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
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/.test(value))
    throw new AgentConfigError('--cluster-host', `${JSON.stringify(value)} is not a host name`);
  return value;
}

function absolute(flag: string, path: string): string {
  if (!path.startsWith('/')) throw new AgentConfigError(flag, `${JSON.stringify(path)} is not an absolute path`);
  return path;
}

export function buildAgentConfig(f: AgentFlags, defaultHost: () => string = hostname): AgentConfig {
  const host = f.host || defaultHost();
  if (!HOST_RE.test(host))
    throw new AgentConfigError('--host', `${JSON.stringify(host)} is not a host name (letters, digits, '.', '-', '_'; at most 253)`);
  if (f.runtime !== 'podman' && f.runtime !== 'cri')
    throw new AgentConfigError('--runtime', `${JSON.stringify(f.runtime)} is not podman or cri`);
  if (!f.server.trim()) throw new AgentConfigError('--server', 'is empty');
  if (Boolean(f.tlsCert) !== Boolean(f.tlsKey))
    throw new AgentConfigError('--tls-cert', 'goes with --tls-key (a client certificate needs its key)');
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
    clusterLeaseTtlSeconds: Math.round(
      seconds('--cluster-lease-ttl', f.clusterLeaseTtl ?? AGENT_DEFAULTS.clusterLeaseTtl, 30, 7 * 86_400) / 1000,
    ),
    timeoutMs: seconds('--timeout', f.timeout, 0.1, 600),
    retryForMs: seconds('--retry-for', f.retryFor, 0, 25),
    privilegedType: f.privilegedType.trim(),
    selinux,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
}
