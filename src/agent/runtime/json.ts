/** Reading fields of runtime JSON without trusting its shape. */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function objectAt(o: unknown, key: string): JsonObject | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  return isObject(v) ? v : undefined;
}

export function stringAt(o: unknown, key: string): string | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** A number field; bigint (from a lossless parse) and numeric strings count when they are safe integers. */
export function numberAt(o: unknown, key: string): number | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  return undefined;
}

export function booleanAt(o: unknown, key: string): boolean | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  return typeof v === 'boolean' ? v : undefined;
}

/** A string-to-string map (labels, annotations); null or absent is empty, non-string values are dropped. */
export function stringMapAt(o: unknown, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const m = objectAt(o, key);
  if (m) for (const [k, v] of Object.entries(m)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A date from RFC 3339 text; undefined for Go's zero time (0001-01-01) and garbage. */
export function dateFrom(text: string | undefined): Date | undefined {
  if (!text || text.startsWith('0001-01-01')) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A date from nanoseconds since the epoch (CRI timestamps; int64 as decimal text); undefined for 0. */
export function dateFromNanos(nanos: string | number | bigint | undefined): Date | undefined {
  if (nanos === undefined || nanos === '') return undefined;
  let n: bigint;
  try {
    n = BigInt(nanos);
  } catch {
    return undefined;
  }
  if (n <= 0n) return undefined;
  return new Date(Number(n / 1_000_000n));
}
