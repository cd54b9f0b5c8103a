/** What every mcsctl command shares: global options, the client, output and failure handling. */
import type { Command } from 'commander';
import { CallError, EXIT, UsageError, openClient, type AllocatorClient } from '../client.js';
import { parseSeconds } from '../args.js';
import { json } from '../format.js';

export interface GlobalOptions {
  server: string;
  timeout: string;
  json?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
}

export function timeoutMs(g: GlobalOptions): number {
  return Math.ceil(parseSeconds('--timeout', g.timeout) * 1000);
}

export function connect(g: GlobalOptions): AllocatorClient {
  return openClient({
    server: g.server,
    timeoutMs: timeoutMs(g),
    tls: { ca: g.tlsCa, cert: g.tlsCert, key: g.tlsKey },
  });
}

/** Writes to stdout and resolves once the data is handed to the OS (so an exit right after loses nothing). */
export function out(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`, () => resolve()));
}

export function err(text: string): Promise<void> {
  return new Promise((resolve) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`, () => resolve()));
}

/** Prints the message as JSON with --json, else the text form. */
export async function print(g: GlobalOptions, message: unknown, text: () => string): Promise<void> {
  await out(g.json ? json(message) : text());
}

/** The exit code and stderr line for anything a command throws. */
export function failure(e: unknown): { code: number; message: string } {
  if (e instanceof UsageError) return { code: EXIT.usage, message: e.message };
  if (e instanceof CallError) return { code: e.exitCode, message: e.describe() };
  return { code: EXIT.refused, message: e instanceof Error ? e.message : String(e) };
}

/**
 * Wraps a command's action: runs it with a client when it needs one, closes
 * the client, and exits with mcsctl's code (0, 1 refused, 2 usage, 3 unreachable).
 */
export function action<A extends unknown[]>(
  fn: (g: GlobalOptions, cmd: Command, ...args: A) => Promise<number | void>,
): (...args: [...A, Record<string, unknown>, Command]) => Promise<void> {
  return async (...args) => {
    const cmd = args[args.length - 1] as Command;
    const positional = args.slice(0, -2) as unknown as A;
    let code: number;
    try {
      code = (await fn(globals(cmd), cmd, ...positional)) ?? EXIT.ok;
    } catch (e) {
      const f = failure(e);
      await err(`mcsctl: ${f.message}`);
      code = f.code;
    }
    process.exit(code);
  };
}

/** Runs fn with a connected client and closes it afterwards. */
export async function withClient<T>(g: GlobalOptions, fn: (client: AllocatorClient) => Promise<T>): Promise<T> {
  const client = connect(g);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Reads all of stdin as text (the OCI hooks' input). */
export async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(`expects ${what} on stdin`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Help text: an "Examples:" block. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
