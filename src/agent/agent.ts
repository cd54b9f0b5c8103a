/**
 * The host agent: keeps the service's leases of this host equal to what the
 * container runtime really runs.
 *
 * - Liveness: Heartbeat every ttl/3 of the server's --host-ttl (every
 *   --heartbeat-interval when the server binds no lease to liveness).
 * - Truth from the runtime: at start, every --reconcile-interval, and at once
 *   when the pool epoch changes, a call says HOST_EXPIRED, or the service
 *   counts fewer leases than the agent knows run, it lists the runtime's
 *   workloads and calls Reconcile with their workload ids and levels.
 * - Prompt release: a death or removal event releases the workload's lease.
 * - Nothing lost: every release goes through the durable spool (releases.ts),
 *   retried with backoff until the service answers.
 * - The hooks' socket (hook-server.ts) serves precreate and poststop.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { classify, openClient, type AllocatorClient } from '../ctl/client.js';
import { timestampMs } from '../ctl/format.js';
import type { Lease__Output } from '../generated/mcs/v1/Lease.js';
import { KeyedLock, ReconcileGate } from './locks.js';
import { splitClusterLeased } from './cluster-leases.js';
import { ClusterLeaseRenewal } from './cluster-renewal.js';
import { decideEvent, isLive, knowWorkloads, planReconcile, workloadIdOf, type HeldLease, type KnownWorkload } from './plan.js';
import { RecordStore } from './records.js';
import { Releases } from './releases.js';
import { retryDelayMs, Spool, writeFileDurably } from './spool.js';
import type { AgentConfig } from './config.js';
import type { ContainerRuntime, RuntimeEvent, RuntimeInfo, RuntimeWorkload } from './runtime/types.js';

export interface AgentStatus {
  readonly host: string;
  readonly runtime: RuntimeInfo | undefined;
  readonly selinux: { readonly enabled: boolean; readonly because: string };
  readonly workloads: KnownWorkload[];
  readonly spooled: number;
  readonly lastReconcile:
    | { readonly at: string; readonly reported: number; readonly released: number; readonly restored: number; readonly conflicts: number }
    | undefined;
  readonly poolEpoch: string | undefined;
}

/** The lease fields the agent's decisions use. */
export function heldLease(l: Lease__Output): HeldLease {
  return { leaseId: l.lease_id, workloadId: l.workload_id, level: l.level, members: l.members, createdAt: timestampMs(l.created_at) };
}

/** How long a death event waits for the runtime's poststop hook to release the lease first. */
const DEATH_SETTLE_MS = 500;

export class Agent {
  readonly client: AllocatorClient;
  readonly spool: Spool;
  readonly records: RecordStore;
  readonly locks = new KeyedLock();
  readonly gate = new ReconcileGate();
  readonly releases: Releases;
  /** The webhook's leases of pods running here (on the cluster host): renewed, and leased again when lost. */
  readonly clusterLeases: ClusterLeaseRenewal;
  private readonly abort = new AbortController();
  private readonly workloadOfContainer = new Map<string, string>();
  /** Workloads the agent believes hold a lease now (to notice a service that lost some). */
  private readonly leased = new Map<string, string>();
  private runtimeInfo: RuntimeInfo | undefined;
  private poolEpoch: string | undefined;
  private lastReconcile: AgentStatus['lastReconcile'];
  private reconciling: Promise<boolean> | undefined;
  private reconcileAgain: string | undefined;
  private wake: (() => void) | undefined;
  private lastList: { at: number; workloads: Promise<RuntimeWorkload[]> } | undefined;
  private loops: Promise<void>[] = [];

  constructor(
    readonly config: AgentConfig,
    readonly runtime: ContainerRuntime,
    readonly log: Logger,
  ) {
    this.client = openClient({ server: config.server, timeoutMs: config.timeoutMs, tls: config.tls });
    const problems: { file: string; error: string }[] = [];
    this.spool = new Spool(config.stateDir, problems);
    this.records = new RecordStore(config.stateDir, problems);
    this.poolEpoch = readPoolEpoch(config.stateDir);
    for (const p of problems) log.error(p, 'unreadable state file moved aside (renamed *.bad)');
    this.releases = new Releases({
      client: this.client,
      spool: this.spool,
      records: this.records,
      locks: this.locks,
      log,
      host: config.host,
      leased: this.leased,
      stopped: () => this.stopped,
    });
    this.clusterLeases = new ClusterLeaseRenewal({
      client: this.client,
      host: config.clusterHost,
      ttlSeconds: config.clusterLeaseTtlSeconds,
      log,
      stopped: () => this.stopped,
      retrySoon: (why) => this.requestReconcile(why),
    });
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts the loops; resolves once the runtime answered (the first reconcile runs in the background until the service answers). */
  async start(): Promise<void> {
    try {
      this.runtimeInfo = await this.runtime.version();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'the runtime does not answer yet; retrying in the background');
    }
    this.log.info(
      {
        runtime: this.runtimeInfo,
        host: this.config.host,
        server: this.config.server,
        spooled: this.spool.size,
        records: this.records.all().size,
      },
      'agent started',
    );
    this.log.info(
      { selinux: this.config.selinux.enabled, because: this.config.selinux.because },
      this.config.selinux.enabled
        ? 'SELinux enabled: hooks lease labels'
        : 'SELinux disabled: hooks pass configs through and take no lease',
    );
    this.loops.push(this.watchLoop(), this.heartbeatLoop(), this.reconcileLoop());
    this.releases.drain();
  }

  /**
   * Stops the loops. What the spool still owes is tried once more for up to
   * `flushMs` (a host shutting down: its containers' last releases); the
   * rest stays on disk for the next start.
   */
  async stop(flushMs = 5_000): Promise<void> {
    await this.releases.flush(flushMs);
    this.abort.abort();
    this.wake?.();
    this.releases.close();
    await Promise.allSettled(this.loops);
    await this.reconciling?.catch(() => undefined);
    this.runtime.close();
    this.client.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const signal = this.abort.signal;
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- the runtime's view -------------------------------------------------

  /** A list taken after `after` (ms); concurrent callers share one. */
  async listAfter(after: number): Promise<RuntimeWorkload[]> {
    if (!this.lastList || this.lastList.at < after) {
      const at = Date.now();
      const workloads = this.runtime.list();
      this.lastList = { at, workloads };
      workloads.catch(() => {
        if (this.lastList?.workloads === workloads) this.lastList = undefined;
      });
    }
    const workloads = await this.lastList.workloads;
    for (const w of workloads) this.workloadOfContainer.set(w.id, workloadIdOf(w));
    return workloads;
  }

  private workloadIdForContainer(containerId: string): string {
    const known = this.workloadOfContainer.get(containerId);
    if (known) return known;
    for (const r of this.records.all().values()) if (r.containerId === containerId) return r.workloadId;
    return containerId;
  }

  async status(): Promise<AgentStatus> {
    const workloads = await this.listAfter(Date.now());
    return {
      host: this.config.host,
      runtime: this.runtimeInfo,
      selinux: this.config.selinux,
      workloads: knowWorkloads(workloads, this.records.all(), new Map()),
      spooled: this.spool.size,
      lastReconcile: this.lastReconcile,
      poolEpoch: this.poolEpoch,
    };
  }

  // ---- events ---------------------------------------------------------------

  private async watchLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        for await (const ev of this.runtime.watch(this.abort.signal)) {
          failures = 0;
          if (ev.type === 'died' || ev.type === 'removed') void this.onDeath(ev);
        }
      } catch (err) {
        if (this.stopped) return;
        failures += 1;
        this.log.warn({ err: (err as Error).message }, "cannot follow the runtime's events; retrying");
      }
      await this.sleep(retryDelayMs(failures + 1));
    }
  }

  private async onDeath(ev: RuntimeEvent): Promise<void> {
    const workloadId = this.workloadIdForContainer(ev.id);
    // Podman runs poststop right after the death: give it the moment it
    // needs, so that the usual stop costs no list and no second release.
    await this.sleep(DEATH_SETTLE_MS);
    // Nothing known to hold a lease (poststop released it already, or it
    // never had one): no list needed. The reconcile catches what the agent
    // could not know of (a lease taken while it was down).
    const holds = () => this.records.get(workloadId) !== undefined || this.leased.has(workloadId);
    if (!holds() || this.stopped) return;
    try {
      const workloads = await this.listAfter(ev.time.getTime());
      await this.locks.run(workloadId, async () => {
        if (!holds()) return; // released while the list was read
        const current = workloads.find((w) => w.id === ev.id);
        const decision = decideEvent({ type: ev.type, time: ev.time.getTime(), current, record: this.records.get(workloadId) });
        this.log.debug({ event: ev.raw, source: ev.source, containerId: ev.id, workloadId, decision }, 'runtime event');
        if (decision.action !== 'release') return;
        this.releases.enqueue({
          workloadId,
          containerId: ev.id,
          cause: ev.type === 'died' ? 'died' : 'removed',
          ...(decision.leaseId ? { leaseId: decision.leaseId } : {}),
        });
      });
    } catch (err) {
      // The next reconcile settles it.
      this.log.warn({ containerId: ev.id, event: ev.raw, err: (err as Error).message }, 'could not act on a runtime event');
    }
  }

  noteGranted(workloadId: string, leaseId: string): void {
    this.leased.set(workloadId, leaseId);
  }

  // ---- heartbeat and reconcile ----------------------------------------------------

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopped) {
      let wait = this.config.heartbeatIntervalMs;
      try {
        // The epoch it last saw, also from before a restart: a service that
        // finds the pool created anew then waits for hosts to reconcile.
        const res = await this.client.Heartbeat({ host: this.config.host, ttl_seconds: 0, pool_epoch: this.poolEpoch ?? '' });
        const expiresAt = timestampMs(res.expires_at);
        if (expiresAt !== undefined) wait = Math.max(500, Math.floor((expiresAt - Date.now()) / 3));
        const epoch = res.pool_epoch || undefined;
        if (epoch !== undefined && this.poolEpoch !== undefined && epoch !== this.poolEpoch)
          this.requestReconcile('the pool epoch changed');
        if (epoch !== undefined && epoch !== this.poolEpoch) {
          this.poolEpoch = epoch;
          writePoolEpoch(this.config.stateDir, epoch, this.log);
        }
        // Pod members share a lease: compare leases with leases, not with members.
        const known = new Set(this.leased.values()).size;
        if (Number(res.leases) < known)
          this.requestReconcile(`the service holds ${res.leases} leases of this host, ${known} are known to run`);
      } catch (err) {
        const ce = classify(err, this.client.address);
        if (ce.reason === 'HOST_EXPIRED') this.requestReconcile('the service says HOST_EXPIRED');
        else this.log.warn({ err: ce.describe() }, 'heartbeat failed');
        wait = Math.min(wait, 2000);
      }
      await this.sleep(wait);
    }
  }

  private async reconcileLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const ok = await this.reconcileNow('interval');
      failures = ok ? 0 : failures + 1;
      const wait = ok ? this.config.reconcileIntervalMs : Math.min(this.config.reconcileIntervalMs, retryDelayMs(failures) * 2);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.sleep(wait).then(resolve);
      });
      this.wake = undefined;
    }
  }

  /** Reconciles soon (coalesced with one under way). */
  requestReconcile(why: string): void {
    if (this.stopped) return;
    this.log.info({ why }, 'reconciling now');
    if (this.reconciling) this.reconcileAgain = why;
    else void this.reconcileNow(why);
  }

  /** Runs one reconcile (or joins the one under way, then runs another if asked). True when the service took it. */
  reconcileNow(why: string): Promise<boolean> {
    if (this.reconciling) {
      this.reconcileAgain ??= why;
      return this.reconciling;
    }
    const run = (async () => {
      let ok = await this.reconcileOnce(why);
      while (this.reconcileAgain !== undefined && !this.stopped) {
        const again = this.reconcileAgain;
        this.reconcileAgain = undefined;
        ok = await this.reconcileOnce(again);
      }
      return ok;
    })();
    this.reconciling = run;
    void run.finally(() => {
      if (this.reconciling === run) this.reconciling = undefined;
    });
    return run;
  }

  private async reconcileOnce(why: string): Promise<boolean> {
    const started = Date.now();
    let workloads: RuntimeWorkload[];
    try {
      workloads = await this.listAfter(started);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "cannot list the runtime's workloads; reconcile skipped");
      return false;
    }
    // Pods the Kubernetes webhook leased for: renewed, not reconciled here.
    const cluster = splitClusterLeased(workloads);
    void this.clusterLeases.renew(cluster.renew);
    try {
      return await this.gate.exclusive(async () => {
        const mark = this.spool.mark;
        const leases = (await this.hostLeases()).map(heldLease);
        const plan = planReconcile({
          workloads: cluster.local,
          records: this.records.all(),
          leases,
          now: Date.now(),
          graceMs: this.config.newLeaseGraceMs,
        });
        const res = await this.client.Reconcile(
          { host: this.config.host, workloads: plan.report },
          { deadlineMs: Math.max(this.config.timeoutMs, 30_000) },
        );
        this.spool.removeBefore(mark);
        this.leased.clear();
        for (const l of [...res.kept, ...res.restored])
          for (const m of l.members.length ? l.members : [l.workload_id]) this.leased.set(m, l.lease_id);
        this.pruneRecords(workloads, started);
        this.lastReconcile = {
          at: new Date().toISOString(),
          reported: plan.report.length,
          released: res.released.length,
          restored: res.restored.length,
          conflicts: res.conflicts.length,
        };
        const summary = { why, ms: Date.now() - started, ...this.lastReconcile };
        if (res.restored.length || res.released.length || res.conflicts.length) {
          this.log.info(
            { ...summary, restoredIds: res.restored.map((l) => l.workload_id), releasedIds: res.released.map((l) => l.workload_id) },
            'reconciled: the service changed',
          );
        } else this.log.debug(summary, 'reconciled: nothing to change');
        for (const c of res.conflicts) {
          this.log.warn(
            {
              workloadId: c.workload_id,
              level: c.level,
              reason: c.reason,
              holder: c.holder_lease_id,
              holderHost: c.holder_host,
              holderWorkload: c.holder_workload_id,
            },
            `runs with a level the service cannot grant it: ${c.message}`,
          );
        }
        for (const w of plan.unlabelled)
          this.log.debug({ workloadId: w.workloadId, containerId: w.containerId }, 'runs with no level the agent knows');
        return true;
      });
    } catch (err) {
      const ce = classify(err, this.client.address);
      this.log.warn({ why, err: ce.describe() }, 'reconcile failed; retrying');
      return false;
    }
  }

  /**
   * Drops the records of workloads the list (taken at `listedAt`) no longer
   * shows live, written well before it: a container restarting right then
   * may show as exited for a moment, with a record only just written.
   */
  private pruneRecords(workloads: readonly RuntimeWorkload[], listedAt: number): void {
    const live = new Set(workloads.filter(isLive).map(workloadIdOf));
    const before = listedAt - this.config.newLeaseGraceMs;
    for (const r of [...this.records.all().values()])
      if (!live.has(r.workloadId) && r.grantedAt < before) this.records.delete(r.workloadId);
  }

  async hostLeases(): Promise<Lease__Output[]> {
    const out: Lease__Output[] = [];
    let token = '';
    do {
      const page = await this.client.ListLeases({ host: this.config.host, page_size: 1000, page_token: token });
      out.push(...page.leases);
      token = page.next_page_token;
    } while (token);
    return out;
  }
}

const POOL_EPOCH_FILE = 'pool-epoch';

/** The pool epoch the agent last saw, kept in the state directory across restarts. */
function readPoolEpoch(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, POOL_EPOCH_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function writePoolEpoch(stateDir: string, epoch: string, log: Logger): void {
  try {
    writeFileDurably(stateDir, POOL_EPOCH_FILE, `${epoch}\n`);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not keep the pool epoch in the state directory');
  }
}
