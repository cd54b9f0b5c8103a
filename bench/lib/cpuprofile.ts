import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Self time by package / area, % of the profile (idle included). */
  readonly byArea: { area: string; pct: number }[];
  /** Functions by self time, % of busy (non-idle) time. */
  readonly topFunctions: { fn: string; where: string; pct: number }[];
  /** Time under functions of our code and a few named libraries, inclusive, % of busy time. */
  readonly inclusive: { what: string; pct: number }[];
}

/** Which package or part of the program a script URL belongs to. */
function area(url: string, fn: string): string {
  if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
  if (url === '') return '(native/builtin)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const m = /\/dist\/(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  if (m) return m[1]!.replace(/\.js$/, '');
  return url;
}

/** Summarises a .cpuprofile written by `node --cpu-prof`: where the service's time goes. */
export function summariseProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const inclusive = new Map<string, number>();
  /** Files of any of these npm packages (each argument a |-list of names). */
  const packages = (...names: string[]) => new RegExp(`node_modules/(${names.join('|')})/`);
  const named: [string, RegExp][] = [
    [
      'pino (logging)',
      packages(
        'pino|sonic-boom|thread-stream|fast-redact|quick-format-unescaped',
        'safe-stable-stringify|on-exit-leak-free|pino-std-serializers',
      ),
    ],
    ['ioredis (Redis client)', /node_modules\/(ioredis|redis-parser|@ioredis|cluster-key-slot|denque|standard-as-callback)\//],
    ['@grpc/grpc-js', /node_modules\/@grpc\/grpc-js\//],
    ['protobufjs', /node_modules\/(protobufjs|@protobufjs)\//],
    ['dist/src/store', /\/dist\/src\/store\//],
    ['dist/src/server', /\/dist\/src\/server\//],
  ];
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    const a = area(url, functionName);
    if (a === '(idle)') idle += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    if (a !== '(idle)') {
      const key = `${functionName}@${url}:${lineNumber}`;
      const e = fns.get(key) ?? { fn: functionName || '(anonymous)', where: `${area(url, functionName)}:${lineNumber + 1}`, us: 0 };
      e.us += us;
      fns.set(key, e);
      // Inclusive: charge each named area once per stack.
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const u = byId.get(cur)!.callFrame.url;
        for (const [name, re] of named) if (!seen.has(name) && re.test(u)) seen.add(name);
      }
      for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us: number, of: number) => Math.round((us / of) * 1000) / 10;
  return {
    file,
    totalMs: Math.round(total / 1000),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([a, us]) => ({ area: a, pct: pct(us, total) })),
    topFunctions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, pct: pct(f.us, busy) })),
    inclusive: [...inclusive].sort((a, b) => b[1] - a[1]).map(([what, us]) => ({ what, pct: pct(us, busy) })),
  };
}
