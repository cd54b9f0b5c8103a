/**
 * The fast path of `mcsctl oci precreate|poststop`: a container runtime
 * runs these twice per container, so their start costs every container
 * start. This module loads nothing but node:net and node:fs: it reads the
 * runtime's document, hands it to the host agent over its unix socket, and
 * writes the agent's answer. Parsing, planning and the gRPC call happen in
 * the agent, which has them loaded already.
 *
 * It falls back to the full mcsctl (the service over gRPC) when no agent
 * answers on the socket, with --no-agent, or for any command line it does
 * not know (help, unknown flags: the full parser explains them).
 */
import { connect } from 'node:net';
import {
  DEFAULT_AGENT_SOCKET,
  LineReader,
  PROTOCOL_VERSION,
  decodeResponse,
  encodeMessage,
  firstTimeSinceBoot,
  selinuxMode,
  type HookRequest,
  type HookResponse,
} from '../agent/hook-protocol.js';

export type HookStage = 'precreate' | 'poststop';

export interface HookArgs {
  readonly stage: HookStage;
  readonly host?: string;
  readonly workload?: string;
  readonly privilegedType?: string;
  readonly selinux?: string;
  readonly socket?: string;
  readonly refusal?: string;
  readonly strict: boolean;
  readonly noAgent: boolean;
}

/** Global flags of mcsctl that take a value (they may stand before `oci`). */
const GLOBAL_VALUE_FLAGS = new Set(['--server', '--timeout', '--tls-ca', '--tls-cert', '--tls-key']);
const GLOBAL_BOOLEAN_FLAGS = new Set(['--json']);
const STAGE_VALUE_FLAGS: Record<string, keyof HookArgs> = {
  '--host': 'host',
  '--workload': 'workload',
  '--privileged-type': 'privilegedType',
  '--selinux': 'selinux',
  '--socket': 'socket',
  '--refusal': 'refusal',
};
/** Flags of the direct path only, taken and ignored here. */
const DIRECT_VALUE_FLAGS = new Set(['--retry-for']);

/**
 * The hook call in argv (without node and the script), or undefined when
 * argv is anything else, or anything this parser does not know for sure.
 */
export function parseHookArgs(argv: readonly string[]): HookArgs | undefined {
  let i = 0;
  for (; i < argv.length && argv[i] !== 'oci'; i++) {
    const [flag, inline] = splitFlag(argv[i]!);
    if (GLOBAL_BOOLEAN_FLAGS.has(flag) && inline === undefined) continue;
    if (!GLOBAL_VALUE_FLAGS.has(flag)) return undefined;
    if (inline === undefined) i++;
  }
  const stage = argv[i + 1];
  if (argv[i] !== 'oci' || (stage !== 'precreate' && stage !== 'poststop')) return undefined;
  const out: Record<string, string | boolean> = { stage, strict: false, noAgent: false };
  for (let j = i + 2; j < argv.length; j++) {
    const [flag, inline] = splitFlag(argv[j]!);
    if (flag === '--strict' && inline === undefined) out.strict = true;
    else if (flag === '--no-agent' && inline === undefined) out.noAgent = true;
    else if (flag in STAGE_VALUE_FLAGS || DIRECT_VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++j];
      if (value === undefined) return undefined;
      const key = STAGE_VALUE_FLAGS[flag];
      if (key) out[key] = value;
    } else return undefined;
  }
  return out as unknown as HookArgs;
}

function splitFlag(token: string): [string, string | undefined] {
  const eq = token.indexOf('=');
  return token.startsWith('--') && eq > 0 ? [token.slice(0, eq), token.slice(eq + 1)] : [token, undefined];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text.endsWith('\n') ? text : `${text}\n`, () => resolve()));
}

/** No agent there: the socket does not exist, nobody listens, or we may not connect. */
class NoAgent extends Error {}

/** One request, one answer, over the agent's socket. */
export function askAgent(socketPath: string, request: HookRequest, timeoutMs: number): Promise<HookResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const reader = new LineReader();
    let connected = false;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`the agent on ${socketPath} did not answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(encodeMessage(request));
    });
    socket.on('data', (chunk: string) => {
      try {
        const line = reader.push(chunk);
        if (line !== undefined) finish(() => resolve(decodeResponse(line)));
      } catch (err) {
        finish(() => reject(err));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const absent = !connected && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ENOTSOCK'].includes(err.code ?? '');
      finish(() => reject(absent ? new NoAgent(err.message) : err));
    });
    socket.on('close', () =>
      finish(() =>
        reject(connected ? new Error(`the agent on ${socketPath} closed the connection without an answer`) : new NoAgent('closed')),
      ),
    );
  });
}

/** Says once per boot that hooks pass configs through. */
function noteSelinuxDisabledOnce(socketPath: string, because: string): Promise<void> | undefined {
  if (!firstTimeSinceBoot(socketPath, 'selinux-disabled.noted', because)) return undefined;
  return write(process.stderr, `mcsctl oci: ${because}: configs pass through unchanged, no leases are taken`);
}

export interface HookOutcome {
  /** The exit code, when the fast path handled the call. */
  readonly code?: number;
  /** What was read from stdin, for the full path to use when it takes over. */
  readonly input?: string;
}

const PRECREATE_TIMEOUT_MS = 25_000; // under the hook files' 30 s
const POSTSTOP_TIMEOUT_MS = 5_000;

/** Runs the hook through the agent; returns no code when the full mcsctl must take over. */
export async function runHook(args: HookArgs): Promise<HookOutcome> {
  let mode;
  try {
    mode = selinuxMode(args.selinux ?? process.env.MCS_SELINUX);
  } catch {
    return {}; // a bad --selinux: the full parser says what is wrong
  }
  const input = await readAll(process.stdin);
  const socketPath = args.socket ?? process.env.MCS_AGENT_SOCKET ?? DEFAULT_AGENT_SOCKET;
  if (!mode.enabled) {
    if (args.stage === 'precreate') {
      await write(process.stdout, input);
      await noteSelinuxDisabledOnce(socketPath, mode.because);
    }
    return { code: 0 };
  }
  if (args.noAgent) return { input };
  const base = {
    v: PROTOCOL_VERSION,
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.workload !== undefined ? { workload: args.workload } : {}),
  };
  let res: HookResponse;
  try {
    res =
      args.stage === 'precreate'
        ? await askAgent(
            socketPath,
            { ...base, op: 'precreate', config: input, ...(args.privilegedType ? { privilegedType: args.privilegedType } : {}) },
            PRECREATE_TIMEOUT_MS,
          )
        : await askAgent(socketPath, { ...base, op: 'poststop', state: input }, POSTSTOP_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof NoAgent))
      await write(process.stderr, `mcsctl oci ${args.stage}: ${(err as Error).message}; asking the service directly`);
    return { input };
  }
  if (res.ok) {
    if (args.stage === 'precreate') await write(process.stdout, res.config ?? input);
    return { code: 0 };
  }
  await write(process.stderr, `mcsctl oci ${args.stage}: refused: ${res.refusal ?? 'the agent gave no reason'}`);
  if (args.stage === 'poststop') return { code: args.strict ? 1 : 0 };
  const refusal = args.refusal ?? process.env.MCS_REFUSAL ?? 'exit';
  if (refusal === 'exec' && res.config) {
    await write(process.stdout, res.config);
    return { code: 0 };
  }
  return { code: res.code ?? 1 };
}
