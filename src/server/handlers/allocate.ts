import * as grpc from '@grpc/grpc-js';
import { labelRefusal, stableKeyPatternsOf, type Grant } from '../../domain/authz.js';
import type { Level } from '../../domain/level.js';
import { OptionError, joinLevel, resolveLabelOptions } from '../../domain/options.js';
import { stableKeyDecision } from '../../domain/stable-keys.js';
import { coveredPairs } from '../../domain/statics.js';
import type { LabelAllocatorHandlers } from '../../generated/mcs/v1/LabelAllocator.js';
import type { Allocation, StableKey } from '../../store/lease-store.js';
import { policyDenied } from '../authorize.js';
import { RpcError, invalidArgument, permissionDenied } from '../errors.js';
import { leaseLog, optionsInput, volumePlanMessage } from '../messages.js';
import { optionalRequestId, optionalStableKey, requireHost, requireLeaseId, requireWorkloadId, ttlSeconds } from '../validation.js';
import type { HandlerContext } from './context.js';
import { requireVolumes } from './volumes.js';

function optionError(err: unknown): unknown {
  if (!(err instanceof OptionError)) return err;
  return err.denied ? permissionDenied(err.field, err.rule) : invalidArgument(err.field, err.rule);
}

export function allocateHandler(ctx: HandlerContext): LabelAllocatorHandlers['Allocate'] {
  const { deps, store, authorizer, unary, message } = ctx;

  /** --max-static-pairs, checked before anything reaches Redis (the script checks it again). */
  function requireNarrowEnough(level: Level, levelText: string): void {
    const max = store.settings.maxStaticPairs ?? 0;
    const covered = coveredPairs(level, deps.policy.categories);
    if (max > 0 && covered > max) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `options.level: ${levelText} covers ${covered} pairs of the pool; a static level may cover at most ${max} (--max-static-pairs)`,
        'LEVEL_TOO_WIDE',
        { field: 'options.level', pairs: String(covered), max_pairs: String(max) },
      );
    }
  }

  /** The stable key of an Allocate, with its scope (domain/stable-keys.ts) and retention. */
  function stableKeyOf(key: string, retention: number, what: Allocation, grant: Grant | undefined): StableKey | undefined {
    const retentionSeconds = ttlSeconds(retention, 'stable_retention_seconds', { required: false });
    if (optionalStableKey(key) === '') {
      if (retentionSeconds !== 0) throw invalidArgument('stable_retention_seconds', 'needs a stable_key');
      return undefined;
    }
    const decision = stableKeyDecision(key, what.kind, deps.clusterStableKeys ?? [], stableKeyPatternsOf(grant));
    if ('refused' in decision) {
      throw decision.refused === 'denied' ? policyDenied(decision.field, decision.rule) : invalidArgument(decision.field, decision.rule);
    }
    return { key, scope: decision.scope, retentionSeconds };
  }

  return unary('Allocate', true, async (req, timeoutMs, call) => {
    const host = requireHost(req.host);
    const workloadId = requireWorkloadId(req.workload_id);
    const requestId = optionalRequestId(req.request_id);
    const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: false });
    const options = optionsInput(req.options);
    const grant = await authorizer.authorize(call, 'Allocate', [host]);
    // A host identity's own type allowlist replaces the server's.
    const policy = grant?.allowedTypes ? { ...deps.policy, allowedTypes: grant.allowedTypes } : deps.policy;
    let what: Allocation;
    let prefixes = store.defaultPrefixes;
    try {
      if (req.share_with !== '') {
        const leaseId = requireLeaseId(req.share_with, 'share_with');
        const level = joinLevel(options, deps.policy);
        what = { kind: 'join', leaseId, ...(level ? { level } : {}) };
      } else {
        const resolved = resolveLabelOptions(options, policy);
        if (resolved.kind !== 'random') {
          const refusal = labelRefusal(grant, resolved.kind, resolved.kind === 'static' ? resolved.level : undefined, resolved.levelText);
          if (refusal !== undefined) throw policyDenied(resolved.kind === 'disabled' ? 'options.disable' : 'options.level', refusal);
        }
        if (resolved.kind === 'static') requireNarrowEnough(resolved.level, resolved.levelText);
        prefixes = resolved.prefixes;
        what = resolved.kind === 'random' ? { kind: 'random' } : { kind: resolved.kind, level: resolved.levelText };
      }
    } catch (err) {
      throw optionError(err);
    }
    const stable = stableKeyOf(req.stable_key, req.stable_retention_seconds, what, grant);
    const { volumes, claims } = requireVolumes(req.volumes, host, deps.homeDirs);
    const { lease, created } = await store.allocate(
      { host, workloadId, requestId, ttlSeconds: ttl, what, prefixes, claims, ...(stable ? { stable } : {}) },
      { timeoutMs: timeoutMs() },
    );
    return {
      response: {
        lease: message(lease),
        created,
        volume_plan: volumes.length > 0 ? volumePlanMessage(lease, volumes, store.settings.sensitivity) : { actions: [] },
      },
      logFields: { ...leaseLog(lease), created, kind: lease.kind, members: lease.members.length, volumes: volumes.length },
    };
  });
}
