import { readFileSync } from 'node:fs';

export interface Measured<T> {
  readonly result: T;
  /** Wall-clock time of the call. */
  readonly wallMs: number;
  /** CPU time (user + system) this process spent during the call. */
  readonly cpuMs: number;
  /** CPU time the runtime's daemon spent meanwhile, when its pid was given (clock-tick resolution). */
  readonly daemonCpuMs: number | undefined;
}

/** utime + stime of a process in milliseconds, from /proc (USER_HZ is 100 on Linux). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export async function measure<T>(fn: () => Promise<T>, daemonPid?: number): Promise<Measured<T>> {
  const daemon0 = daemonPid ? processCpuMs(daemonPid) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const daemon1 = daemonPid ? processCpuMs(daemonPid) : undefined;
  return {
    result,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    daemonCpuMs: daemon0 !== undefined && daemon1 !== undefined ? daemon1 - daemon0 : undefined,
  };
}

/** Prints measurements as a small table in the test output. */
export function reportTable(title: string, rows: readonly [string, Measured<unknown>][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(
    ([label, m]) =>
      `  ${label.padEnd(width)}  wall ${m.wallMs.toFixed(1).padStart(7)} ms  cpu ${m.cpuMs.toFixed(1).padStart(7)} ms` +
      (m.daemonCpuMs !== undefined ? `  daemon cpu ${String(m.daemonCpuMs).padStart(4)} ms` : ''),
  );
  console.log(`${title}\n${lines.join('\n')}`);
}

/** Runs fn `runs` times one after the other; each figure is the median over the runs. */
export async function measureMedian<T>(fn: () => Promise<T>, runs: number, daemonPid?: number): Promise<Measured<T>> {
  const all: Measured<T>[] = [];
  for (let i = 0; i < runs; i++) all.push(await measure(fn, daemonPid));
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? NaN;
  };
  const daemon = all.map((m) => m.daemonCpuMs).filter((x): x is number => x !== undefined);
  return {
    result: all[all.length - 1]!.result,
    wallMs: median(all.map((m) => m.wallMs)),
    cpuMs: median(all.map((m) => m.cpuMs)),
    daemonCpuMs: daemon.length === all.length ? median(daemon) : undefined,
  };
}
