/**
 * Pearson's chi-square goodness-of-fit against the uniform distribution, and
 * its p-value from the regularised upper incomplete gamma function
 * Q(df/2, x/2) (series below the mean, Lentz continued fraction above).
 */

function logGamma(z: number): number {
  // Lanczos approximation, g = 7, accurate to ~15 digits for z > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function lowerSeries(s: number, x: number): number {
  let sum = 1 / s;
  let term = sum;
  for (let n = 1; n < 1000; n++) {
    term *= x / (s + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
  }
  return sum * Math.exp(-x + s * Math.log(x) - logGamma(s));
}

function upperFraction(s: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x + s * Math.log(x) - logGamma(s)) * h;
}

/** P(X >= x) for X ~ chi-square with df degrees of freedom. */
export function chiSquarePValue(x: number, df: number): number {
  if (x <= 0) return 1;
  const s = df / 2;
  const half = x / 2;
  return half < s + 1 ? 1 - lowerSeries(s, half) : upperFraction(s, half);
}

/** Chi-square statistic of observed counts against equal expected counts. */
export function chiSquareUniform(counts: readonly number[]): { statistic: number; df: number; pValue: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  const statistic = counts.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
  const df = counts.length - 1;
  return { statistic, df, pValue: chiSquarePValue(statistic, df) };
}
