/**
 * What the OCI hooks and the host agent say to each other over the agent's
 * unix socket, and what both need to know before they say anything. This
 * module imports nothing but node:fs, so that a hook loading it starts in
 * the time of a bare `node`.
 *
 * The protocol: the hook connects, writes one request as a JSON object on
 * one line, and reads one response as a JSON object on one line; then the
 * connection closes. Every message carries `v: 1`. A request names its
 * `op`:
 *
 *   precreate  {config, host?, workload?, privilegedType?}  -> {ok: true, config} | {ok: false, refusal, config?}
 *   poststop   {state, host?, workload?}                    -> {ok: true, queued: true} | {ok: false, refusal}
 *   status     {}                                           -> {ok: true, status: AgentStatus}
 *   ping       {}                                           -> {ok: true}
 *
 * `config` and `state` travel as the text the runtime wrote, so the hook
 * parses nothing and the agent keeps every 64-bit number as written. A
 * refusal is one line naming the reason; `config` next to it is the
 * refusal config (see refusalConfig in src/ctl/oci.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const PROTOCOL_VERSION = 1;

/** Where the agent listens and the hooks look, unless --socket / MCS_AGENT_SOCKET say otherwise. */
export const DEFAULT_AGENT_SOCKET = '/run/mcs-allocator/agent.sock';

/** A request larger than this is refused (an OCI config is tens of kilobytes). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export type HookOp = 'precreate' | 'poststop' | 'status' | 'ping';

export interface HookRequest {
  readonly v: number;
  readonly op: HookOp;
  readonly config?: string;
  readonly state?: string;
  readonly host?: string;
  readonly workload?: string;
  readonly privilegedType?: string;
}

export interface HookResponse {
  readonly v: number;
  readonly ok: boolean;
  readonly config?: string;
  readonly queued?: boolean;
  readonly refusal?: string;
  /** With a refusal: mcsctl's exit code for it (1 refused, 2 bad input, 3 no service). */
  readonly code?: number;
  readonly status?: unknown;
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const OPS: readonly HookOp[] = ['precreate', 'poststop', 'status', 'ping'];
const STRING_FIELDS = ['config', 'state', 'host', 'workload', 'privilegedType'] as const;

/** Parses a JSON object; `fail('not JSON' | 'not a JSON object')` makes the error. */
export function jsonObject(text: string, fail: (what: string) => Error): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('not a JSON object');
  return value as Record<string, unknown>;
}

export function encodeMessage(message: HookRequest | HookResponse): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses and checks one request line; throws ProtocolError naming what is wrong. */
export function decodeRequest(line: string): HookRequest {
  const r = jsonObject(line, (what) => new ProtocolError(`the request is ${what}`));
  if (r.v !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${JSON.stringify(r.v)} is not ${PROTOCOL_VERSION}`);
  if (typeof r.op !== 'string' || !OPS.includes(r.op as HookOp)) throw new ProtocolError(`unknown op ${JSON.stringify(r.op)}`);
  for (const f of STRING_FIELDS) {
    if (r[f] !== undefined && typeof r[f] !== 'string') throw new ProtocolError(`${f} must be a string`);
  }
  if (r.op === 'precreate' && typeof r.config !== 'string') throw new ProtocolError('precreate needs config');
  if (r.op === 'poststop' && typeof r.state !== 'string') throw new ProtocolError('poststop needs state');
  return r as unknown as HookRequest;
}

export function decodeResponse(line: string): HookResponse {
  const r = jsonObject(line, (what) => new ProtocolError(`the agent answered something that is ${what}`));
  if (r.v !== PROTOCOL_VERSION) throw new ProtocolError(`the agent speaks protocol ${JSON.stringify(r.v)}, not ${PROTOCOL_VERSION}`);
  if (typeof r.ok !== 'boolean') throw new ProtocolError('the agent answered without ok');
  return r as unknown as HookResponse;
}

/**
 * Splits a byte stream into lines; a line longer than MAX_MESSAGE_BYTES is
 * an error, so a peer that never sends a newline cannot fill the memory.
 */
export class LineReader {
  private buffered = '';
  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** Feeds a chunk; returns the first complete line once there is one. */
  push(chunk: string): string | undefined {
    this.buffered += chunk;
    const nl = this.buffered.indexOf('\n');
    if (nl >= 0) return this.buffered.slice(0, nl);
    if (this.buffered.length > this.maxBytes) throw new ProtocolError(`a message is longer than ${this.maxBytes} bytes`);
    return undefined;
  }
}

export type SelinuxSetting = 'auto' | 'enabled' | 'disabled';

export interface SelinuxMode {
  readonly enabled: boolean;
  /** Why, for the log line. */
  readonly because: string;
}

/**
 * Whether the host enforces SELinux labels at all. `auto` looks for
 * /sys/fs/selinux/enforce, which exists whenever SELinux is enabled in the
 * kernel (enforcing or permissive: a permissive host still needs unique
 * labels, its processes are labelled).
 */
export function selinuxMode(setting: string | undefined, exists: (path: string) => boolean = existsSync): SelinuxMode {
  const s = (setting ?? '').trim().toLowerCase() || 'auto';
  if (s === 'enabled') return { enabled: true, because: 'MCS_SELINUX/--selinux says enabled' };
  if (s === 'disabled') return { enabled: false, because: 'MCS_SELINUX/--selinux says disabled' };
  if (s !== 'auto') throw new ProtocolError(`--selinux / MCS_SELINUX: ${JSON.stringify(setting)} is not auto, enabled or disabled`);
  return exists('/sys/fs/selinux/enforce')
    ? { enabled: true, because: '/sys/fs/selinux/enforce exists' }
    : { enabled: false, because: 'SELinux is disabled in the kernel (no /sys/fs/selinux/enforce)' };
}

/**
 * True the first time it is called for this agent socket since boot: the
 * marker lives next to the socket, on /run (a tmpfs). For "say it once"
 * messages of the hooks, which are new processes every time.
 */
export function firstTimeSinceBoot(socketPath: string, name: string, text: string): boolean {
  try {
    const dir = dirname(socketPath);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(`${dir}/${name}`, `${text}\n`, { flag: 'wx' });
    return true;
  } catch {
    return false; // there already, or /run is not writable: say nothing
  }
}
