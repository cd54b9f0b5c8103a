/**
 * mcsctl's output: text, JSON, Podman arguments, shell variables and
 * tables. Pure functions of the messages (and of `now`, passed in), so they
 * are unit-tested without a server.
 */
import { kubernetesName, workloadText } from '../domain/kubernetes-names.js';
import Table from 'cli-table3';
import type { Lease__Output } from '../generated/mcs/v1/Lease.js';
import type { AllocateResponse__Output } from '../generated/mcs/v1/AllocateResponse.js';
import type { VolumePlan__Output } from '../generated/mcs/v1/VolumePlan.js';
import type { VolumeAction__Output } from '../generated/mcs/v1/VolumeAction.js';
import type { PoolStats__Output } from '../generated/mcs/v1/PoolStats.js';
import type { ReleaseResponse__Output } from '../generated/mcs/v1/ReleaseResponse.js';
import type { HeartbeatResponse__Output } from '../generated/mcs/v1/HeartbeatResponse.js';
import type { LeaseEvent__Output } from '../generated/mcs/v1/LeaseEvent.js';
import type { Timestamp__Output } from '../generated/google/protobuf/Timestamp.js';

/** Machine-readable output: the message as returned (snake_case, 64-bit integers as strings). */
export function json(message: unknown, compact = false): string {
  return compact ? JSON.stringify(message) : JSON.stringify(message, null, 2);
}

/** Milliseconds since the epoch of a google.protobuf.Timestamp; undefined when unset. */
export function timestampMs(ts: Timestamp__Output | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

export function isoTime(ts: Timestamp__Output | null | undefined): string {
  const ms = timestampMs(ts);
  return ms === undefined ? '' : new Date(ms).toISOString();
}

/** A short human duration: 42s, 5m10s, 3h4m, 2d3h. */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** "never", "in 4m59s" or "expired 3s ago". */
export function expiryText(lease: Pick<Lease__Output, 'expires_at'>, now: number): string {
  const at = timestampMs(lease.expires_at);
  if (at === undefined) return 'never';
  return at >= now ? `in ${formatDuration(at - now)}` : `expired ${formatDuration(now - at)} ago`;
}

export function ageText(lease: Pick<Lease__Output, 'created_at'>, now: number): string {
  const at = timestampMs(lease.created_at);
  return at === undefined ? '' : formatDuration(now - at);
}

// ---------------------------------------------------------------- quoting

/** Always single-quoted: safe to `eval` whatever the value holds (quotes, newlines, $, backticks). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quoted only when needed, for readable copy-pasteable commands. */
export function shellWord(value: string): string {
  return SHELL_SAFE.test(value) ? value : shellQuote(value);
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

// ---------------------------------------------------------------- labels

/** user, role, type and level of a context (the level may contain ':'). */
export function contextParts(label: string): { user: string; role: string; type: string; level: string } | undefined {
  const parts = label.split(':');
  if (parts.length < 4) return undefined;
  const [user = '', role = '', type = ''] = parts;
  return { user, role, type, level: parts.slice(3).join(':') };
}

/**
 * The Podman/Docker arguments that give a container the lease's labels:
 * `--security-opt label=level:...` with the matching type and filetype
 * (and user/role when they are not the container defaults), or
 * `--security-opt label=disable` for a DISABLED lease.
 */
export function podmanArgs(lease: Pick<Lease__Output, 'kind' | 'level' | 'process_label' | 'mount_label'>): string[] {
  if (lease.kind === 'DISABLED') return ['--security-opt', 'label=disable'];
  const proc = contextParts(lease.process_label);
  const mount = contextParts(lease.mount_label);
  const opts = [`label=level:${lease.level}`];
  if (proc && proc.user !== 'system_u') opts.push(`label=user:${proc.user}`);
  if (proc && proc.role !== 'system_r') opts.push(`label=role:${proc.role}`);
  if (proc) opts.push(`label=type:${proc.type}`);
  if (mount) opts.push(`label=filetype:${mount.type}`);
  return opts.flatMap((o) => ['--security-opt', o]);
}

export function podmanText(lease: Lease__Output): string {
  return shellJoin(podmanArgs(lease));
}

/** `NAME='value'` lines for `eval "$(mcsctl allocate ... --format env)"`. */
export function envLines(lease: Lease__Output): string {
  const vars: [string, string][] = [
    ['MCS_LEASE_ID', lease.lease_id],
    ['MCS_LEVEL', lease.level],
    ['MCS_PROCESS_LABEL', lease.process_label],
    ['MCS_MOUNT_LABEL', lease.mount_label],
    ['MCS_RO_MOUNT_LABEL', lease.ro_mount_label],
    ['MCS_FENCING_TOKEN', String(lease.fencing_token)],
  ];
  return vars.map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n');
}

// ---------------------------------------------------------------- text

function fields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`.trimEnd()).join('\n');
}

export function leaseText(lease: Lease__Output, now: number): string {
  const claims = lease.claims.map((c) => `${c.host_path} (${c.mode}${c.storage_id ? `, storage ${c.storage_id}` : ''})`);
  const created = isoTime(lease.created_at);
  const rows: [string, string][] = [
    ['lease', lease.lease_id],
    ['pool', lease.pool],
    ['host', lease.host],
    ['workload', lease.workload_id],
    ['members', lease.members.map((m) => kubernetesName(m) ?? m).join(', ')],
    ['kind', lease.kind],
    ['level', lease.level_name ? `${lease.level} (${lease.level_name})` : lease.level],
    ['process', lease.process_label],
    ['mount', lease.mount_label],
    ['ro mount', lease.ro_mount_label],
    ['fencing', String(lease.fencing_token)],
    ['created', created ? `${created} (${ageText(lease, now)} ago)` : ''],
    ['expires', lease.expires_at ? `${isoTime(lease.expires_at)} (${expiryText(lease, now)})` : 'never'],
    ['claims', claims.length ? claims.join(', ') : 'none'],
  ];
  if (lease.stable_key) rows.push(['stable key', lease.stable_key]);
  if (lease.held_until) rows.push(['held until', `${isoTime(lease.held_until)} (${expiryText({ expires_at: lease.held_until }, now)})`]);
  return fields(rows);
}

/** One line per action: what, where, and the command (or why nothing). */
export function actionLine(a: VolumeAction__Output): string {
  const what = a.action.padEnd(17);
  switch (a.action) {
    case 'RELABEL_RECURSIVE':
      return `${what} ${shellWord(a.host_path)}  ${shellJoin(a.command)}`;
    case 'SKIP':
      return `${what} ${shellWord(a.host_path)}  # already labelled ${a.target_label}`;
    default:
      return `${what} ${shellWord(a.host_path)}  # ${a.reason || 'no relabel'}`;
  }
}

export function planText(plan: VolumePlan__Output): string {
  if (plan.actions.length === 0) return 'volume plan: no volumes';
  return ['volume plan:', ...plan.actions.map((a) => `  ${actionLine(a)}`)].join('\n');
}

export function allocateText(res: AllocateResponse__Output, now: number): string {
  const lease = res.lease;
  if (!lease) return 'no lease in the answer';
  const head = res.created ? `allocated lease ${lease.lease_id}` : `existing lease ${lease.lease_id} (already held by this workload)`;
  const parts = [head, leaseText(lease, now)];
  if (res.volume_plan && res.volume_plan.actions.length > 0) parts.push(planText(res.volume_plan));
  return parts.join('\n');
}

export function releaseText(res: ReleaseResponse__Output, target: string): string {
  if (!res.released) return `nothing to release: ${target} holds no active lease (already released or expired)`;
  if (res.remaining_members > 0) return `released ${target}; ${res.remaining_members} member(s) still hold the lease`;
  return `released ${target}; the label is back in the pool`;
}

export function heartbeatText(host: string, res: HeartbeatResponse__Output, now: number): string {
  const leases = `${res.leases} lease${String(res.leases) === '1' ? '' : 's'}`;
  if (!res.expires_at) return `host ${host}: alive, ${leases} (the server binds no lease to host liveness)`;
  return `host ${host}: alive until ${isoTime(res.expires_at)} (${expiryText(res, now)}), ${leases}`;
}

/** leased / (total - reserved), as a percentage; undefined when the pool has no grantable pair. */
export function utilisation(stats: Pick<PoolStats__Output, 'total' | 'leased' | 'reserved'>): number | undefined {
  const grantable = Number(stats.total) - Number(stats.reserved);
  if (!(grantable > 0)) return undefined;
  return (Number(stats.leased) / grantable) * 100;
}

export function formatPercent(p: number | undefined): string {
  if (p === undefined) return 'n/a';
  if (p > 0 && p < 0.01) return '<0.01%';
  return `${p.toFixed(2)}%`;
}

export function poolStatsText(stats: PoolStats__Output): string {
  return fields([
    ['pool', stats.pool],
    ['categories', `${stats.category_range} (sensitivity ${stats.sensitivity})`],
    ['total', String(stats.total)],
    ['leased', String(stats.leased)],
    ['free', String(stats.free)],
    ['reserved', String(stats.reserved)],
    ['blocked', String(stats.blocked)],
    ['held', String(stats.held)],
    ['utilisation', formatPercent(utilisation(stats))],
  ]);
}

/** The LeaseEvent fields a line shows; the JSON form carries the whole message. */
export function eventLine(ev: LeaseEvent__Output): string {
  const l = ev.lease;
  const parts = [ev.event_id, isoTime(ev.at), ev.type.padEnd(9)];
  if (l) parts.push(`lease=${l.lease_id}`, `host=${l.host}`, `workload=${l.workload_id}`, `level=${l.level}`, `kind=${l.kind}`);
  if (ev.workload_id) parts.push(`member=${ev.workload_id}`);
  if (l && (ev.type === 'ALLOCATED' || ev.type === 'RENEWED' || ev.type === 'RESTORED'))
    parts.push(`expires=${l.expires_at ? isoTime(l.expires_at) : 'never'}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------- tables

export const LEASE_COLUMNS = ['LEASE', 'HOST', 'WORKLOAD', 'LEVEL', 'KIND', 'MEMBERS', 'AGE', 'EXPIRY'] as const;

/** A borderless, colourless table (kubectl style): columns padded, one row per line. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const t = new Table({
    head: [...head],
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    wordWrap: false,
  });
  for (const r of rows) t.push([...r]);
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export function leaseRow(l: Lease__Output, now: number): string[] {
  return [l.lease_id, l.host, workloadText(l), l.level, l.kind, String(l.members.length), ageText(l, now), expiryText(l, now)];
}

export function leasesTable(leases: readonly Lease__Output[], now: number): string {
  if (leases.length === 0) return 'no active leases';
  return table(
    LEASE_COLUMNS,
    leases.map((l) => leaseRow(l, now)),
  );
}

/** Released stable pairs waiting for their key (ListLeases with held). */
export const HOLD_COLUMNS = ['LEASE', 'HOST', 'STABLE KEY', 'LEVEL', 'KIND', 'HELD FOR'] as const;

export function holdsTable(holds: readonly Lease__Output[], now: number): string {
  if (holds.length === 0) return 'no held stable levels';
  return table(
    HOLD_COLUMNS,
    holds.map((l) => [l.lease_id, l.host, l.stable_key, l.level, l.kind, expiryText({ expires_at: l.held_until }, now)]),
  );
}
