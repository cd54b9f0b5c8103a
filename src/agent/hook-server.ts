/**
 * The hooks' unix socket (protocol: hook-protocol.ts). The socket is created
 * with mode 0600 by the agent's user (root), so only root may connect: a
 * hook runs as root under a rootful runtime. A rootless Podman's hooks run
 * as that user, and need an agent of their own (--socket).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { CallError, classify } from '../ctl/client.js';
import { failure } from '../ctl/commands/common.js';
import { labelledConfig, leaseFor, retryableAtPrecreate } from '../ctl/commands/oci.js';
import {
  containerIdOf,
  oneLine,
  parseDocument,
  poststopIdentity,
  precreatePlan,
  refusalConfig,
  stringifyDocument,
  type Document,
} from '../ctl/oci.js';
import type { Agent } from './agent.js';
import {
  LineReader,
  ProtocolError,
  PROTOCOL_VERSION,
  decodeRequest,
  encodeMessage,
  type HookRequest,
  type HookResponse,
} from './hook-protocol.js';

const CONNECTION_TIMEOUT_MS = 60_000;
/** How long poststop waits for the service to take a release before it spools it instead. */
const POSTSTOP_FAST_RELEASE_MS = 200;

/** Fails when another agent answers on the path; removes a socket nobody listens on. */
async function claimSocketPath(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another process listens on ${path} (another agent?)`);
  rmSync(path, { force: true });
}

export class HookServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly agent: Agent,
    readonly path: string,
  ) {}

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    await claimSocketPath(this.path);
    const server = createServer((socket) => this.serve(socket));
    // Created 0600 from the start: no moment in which another user may connect.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => resolve());
      });
    } finally {
      process.umask(umask);
    }
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.setTimeout(CONNECTION_TIMEOUT_MS, () => socket.destroy());
    const reader = new LineReader();
    let answered = false;
    let gotRequest = false;
    const answer = (res: HookResponse) => {
      if (answered) return;
      answered = true;
      socket.end(encodeMessage(res));
    };
    socket.on('data', (chunk: string) => {
      if (answered || gotRequest) return;
      let line: string | undefined;
      try {
        line = reader.push(chunk);
      } catch (err) {
        answer({ v: PROTOCOL_VERSION, ok: false, refusal: (err as Error).message, code: 2 });
        return;
      }
      if (line === undefined) return;
      gotRequest = true;
      let req: HookRequest;
      try {
        req = decodeRequest(line);
      } catch (err) {
        answer({ v: PROTOCOL_VERSION, ok: false, refusal: (err as ProtocolError).message, code: 2 });
        return;
      }
      this.handle(req).then(answer, (err: unknown) =>
        answer({ v: PROTOCOL_VERSION, ok: false, refusal: `the agent failed: ${(err as Error).message}`, code: 1 }),
      );
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async handle(req: HookRequest): Promise<HookResponse> {
    switch (req.op) {
      case 'ping':
        return { v: PROTOCOL_VERSION, ok: true };
      case 'status':
        return { v: PROTOCOL_VERSION, ok: true, status: await this.agent.status() };
      case 'precreate':
        return this.precreate(req);
      case 'poststop':
        return this.poststop(req);
    }
  }

  private refuse(config: Document | undefined, e: unknown, workloadId: string | undefined): HookResponse {
    const f = failure(e);
    const reason = oneLine(f.message);
    this.agent.log.warn({ workloadId, reason }, 'refused a container start');
    return {
      v: PROTOCOL_VERSION,
      ok: false,
      refusal: reason,
      code: f.code,
      ...(config ? { config: stringifyDocument(refusalConfig(config, reason)) } : {}),
    };
  }

  private async precreate(req: HookRequest): Promise<HookResponse> {
    const agent = this.agent;
    let config: Document;
    try {
      config = parseDocument(req.config ?? '', 'the config.json');
    } catch (e) {
      return this.refuse(undefined, e, undefined);
    }
    let plan;
    try {
      plan = precreatePlan(config, {
        host: req.host || agent.config.host,
        workload: req.workload,
        privilegedType: req.privilegedType || agent.config.privilegedType,
      });
    } catch (e) {
      return this.refuse(config, e, undefined);
    }
    const { workloadId, host } = plan.identity;
    const containerId = containerIdOf(config);
    const started = Date.now();
    const giveUpAt = started + agent.config.retryForMs;
    return agent.locks.run(workloadId, async () => {
      let delay = 100;
      for (let attempt = 1; ; attempt++) {
        const leave = await agent.gate.enter();
        try {
          await agent.releases.settlePendingFor(workloadId);
          const grant = await leaseFor(agent.client, plan, Math.max(200, Math.min(agent.config.timeoutMs, giveUpAt - Date.now())));
          agent.records.put(
            {
              workloadId,
              ...(containerId ? { containerId } : {}),
              level: grant.lease.level,
              leaseId: grant.lease.lease_id,
              fencingToken: grant.lease.fencing_token,
              grantedAt: Date.now(),
            },
            (err) => agent.log.error({ workloadId, err: err.message }, 'could not write the hook record'),
          );
          agent.noteGranted(workloadId, grant.lease.lease_id);
          agent.log.info(
            {
              workloadId,
              host,
              containerId,
              leaseId: grant.lease.lease_id,
              level: grant.lease.level,
              kind: grant.lease.kind,
              created: grant.created,
              attempt,
              ms: Date.now() - started,
            },
            'leased a label at precreate',
          );
          return { v: PROTOCOL_VERSION, ok: true, config: labelledConfig(config, grant) };
        } catch (e) {
          const ce =
            e instanceof CallError || (e as { code?: unknown })?.code !== undefined ? classify(e, agent.client.address) : undefined;
          const again = Date.now() + delay < giveUpAt;
          if (ce?.reason === 'HOST_EXPIRED' && again) {
            leave();
            await agent.reconcileNow('precreate met HOST_EXPIRED');
            continue;
          }
          const waitable = ce ? retryableAtPrecreate(ce) : !(e instanceof Error && e.name === 'UsageError');
          if (!waitable || !again) return this.refuse(config, ce ?? e, workloadId);
        } finally {
          leave();
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 1000);
      }
    });
  }

  private async poststop(req: HookRequest): Promise<HookResponse> {
    const agent = this.agent;
    let identity;
    let containerId: string | undefined;
    try {
      const state = parseDocument(req.state ?? '', 'the state JSON');
      identity = poststopIdentity(state, { host: req.host || agent.config.host, workload: req.workload });
      containerId = typeof state.id === 'string' ? state.id : undefined;
    } catch (e) {
      const f = failure(e);
      agent.log.warn({ reason: f.message }, 'poststop with bad input');
      return { v: PROTOCOL_VERSION, ok: false, refusal: oneLine(f.message), code: f.code };
    }
    const record = agent.records.get(identity.workloadId);
    await agent.releases.releaseOrSpool(
      {
        host: identity.host,
        workloadId: identity.workloadId,
        cause: 'poststop',
        ...(record ? { leaseId: record.leaseId } : {}),
        ...(containerId ? { containerId } : {}),
      },
      POSTSTOP_FAST_RELEASE_MS,
    );
    return { v: PROTOCOL_VERSION, ok: true, queued: true };
  }
}
