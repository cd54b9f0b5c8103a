import type { SelinuxOptions } from './types.js';

/**
 * The level of an SELinux context `user:role:type:level`, as written. The
 * level may itself hold colons (s0:c1,c2), so everything after the third
 * colon is the level. Undefined for "" (SELinux disabled) or a label
 * without a level.
 */
export function levelOfLabel(label: string | undefined): string | undefined {
  if (!label) return undefined;
  let at = -1;
  for (let k = 0; k < 3; k++) {
    at = label.indexOf(':', at + 1);
    if (at === -1) return undefined;
  }
  const level = label.slice(at + 1);
  return level === '' ? undefined : level;
}

/**
 * The level to report: the one the process runs with when the runtime says,
 * else the one the workload asked for.
 */
export function effectiveLevel(
  processLabel: string | undefined,
  requested: SelinuxOptions | undefined,
): { level: string; levelSource: 'process-label' | 'requested' } | undefined {
  const fromLabel = levelOfLabel(processLabel);
  if (fromLabel) return { level: fromLabel, levelSource: 'process-label' };
  if (requested?.level) return { level: requested.level, levelSource: 'requested' };
  return undefined;
}
