import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion; rejects with its output when it fails or times out. */
export function execTool(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        cwd: opts.cwd,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** The programs a runtime harness needs that are not installed; empty when all are. */
export function missingPrograms(names: readonly string[]): string[] {
  return names.filter((n) => spawnSync('sh', ['-c', `command -v ${n}`], { stdio: 'ignore' }).status !== 0);
}

/** The mount points under `dir` (from /proc/self/mountinfo), deepest first, for unmounting. */
export function mountsUnder(dir: string): string[] {
  if (!existsSync('/proc/self/mountinfo')) return [];
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4];
    if (!point) continue;
    // mountinfo escapes spaces and the like as octal.
    const decoded = point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === dir || decoded.startsWith(dir + '/')) out.push(decoded);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything mounted under `dir` (what a crashed runtime left). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) {
    await execTool('umount', ['-l', point]).catch(() => undefined);
  }
}

/** Whether SELinux is enabled in this kernel (selinuxfs mounted). */
export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}
