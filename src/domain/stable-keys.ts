/**
 * Stable keys name a workload across its restarts (a Quadlet unit, a
 * StatefulSet pod). A key is per host: host b's "db-0" is not host a's. An
 * operator makes keys cluster-wide with patterns (--cluster-stable-keys),
 * for workloads that move between hosts with their storage; with an
 * authorization policy, a host identity also needs its own patterns
 * (cluster_stable_keys), so that no host can take another host's held pair
 * by naming its key. A cluster-wide key the identity was not granted is
 * refused rather than quietly made per host: the workload would get a new
 * level on the new host while its shared files keep the old one.
 */

/** `*` matches any run of characters; everything else matches itself. */
export function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first) || !text.endsWith(last) || text.length < first.length + last.length) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const i = text.indexOf(middle, at);
    if (i < 0 || i + middle.length > end) return false;
    at = i + middle.length;
  }
  return true;
}

/**
 * The scope of a key: per host unless it matches one of the server's
 * patterns; then cluster-wide if the caller is not bound to hosts
 * (`identity` undefined) or its own patterns match too, 'not-granted'
 * otherwise.
 */
export function stableKeyScope(key: string, server: readonly string[], identity?: readonly string[]): 'host' | 'cluster' | 'not-granted' {
  const matches = (patterns: readonly string[]) => patterns.some((p) => globMatches(p, key));
  if (!matches(server)) return 'host';
  if (identity !== undefined && !matches(identity)) return 'not-granted';
  return 'cluster';
}

/** What a request asks a stable key to hold: a pod join or a disabled label take no pair. */
export type StableKeyDecision =
  { readonly scope: 'host' | 'cluster' } | { readonly refused: 'invalid' | 'denied'; readonly field: string; readonly rule: string };

/**
 * Whether an Allocate of `kind` may carry stable key `key`, and its scope:
 * per host unless the server's patterns make it cluster-wide, which an
 * identity bound to hosts (`identity` patterns) must be granted too.
 */
export function stableKeyDecision(
  key: string,
  kind: 'join' | 'random' | 'static' | 'disabled',
  server: readonly string[],
  identity: readonly string[] | undefined,
): StableKeyDecision {
  if (kind === 'join')
    return { refused: 'invalid', field: 'stable_key', rule: "cannot be combined with share_with (the pod's lease carries its key)" };
  if (kind === 'disabled') return { refused: 'invalid', field: 'stable_key', rule: 'a disabled label takes no pair to hold' };
  const scope = stableKeyScope(key, server, identity);
  if (scope === 'not-granted') {
    return { refused: 'denied', field: 'stable_key', rule: `${key} is cluster-wide and not among this identity's cluster_stable_keys` };
  }
  return { scope };
}
