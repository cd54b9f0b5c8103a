/** Median and spread of a figure over repetitions. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: number[];
}

export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values: [...values] };
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, values: [...values] };
}

/** 12345.6 -> "12,346"; small numbers keep digits. */
export function num(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "12,346 (12,001–12,500)": the median and the range over repetitions. */
export function fmtSpread(s: Spread, digits?: number): string {
  if (s.values.length <= 1) return num(s.median, digits);
  return `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (Math.abs(n) >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

/** A plain text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const mark = (pass: boolean | undefined): string => (pass === undefined ? '' : pass ? 'PASS' : 'MISS');
