import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testkit/process.js';

/**
 * Debian's tools that the interoperability tests use (.ci/run installs them:
 * python3-grpcio, python3-protobuf, python3-grpc-tools, grpc-proto;
 * prometheus for promtool; docker-compose; ruby-googleapis-common-protos-types
 * for Google's generated google.rpc types). The
 * system Python is called by its path: a `python3` earlier on PATH (pyenv)
 * does not have Debian's modules.
 */
export const PYTHON = '/usr/bin/python3';
export const PROMTOOL = '/usr/bin/promtool';
export const DOCKER_COMPOSE = '/usr/bin/docker-compose';
export const RUBY = '/usr/bin/ruby';
export const BUF = join(REPO_ROOT, 'node_modules', '.bin', 'buf');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a missing program is an error that says what to install. */
export function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<Run> {
  if (file.startsWith('/') && !existsSync(file)) {
    return Promise.reject(new Error(`${file} is missing: run .ci/run (or apt-get install the packages it lists) first`));
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a program that must succeed; returns its stdout. */
export async function runOk(file: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(file, args, options);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
