import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { parseCategoryRange } from '../../src/domain/categories.js';
import {
  boundedId,
  changedAnnotation,
  isFinalDelete,
  planCreate,
  podOfWorkload,
  podWorkload,
  policyFor,
  updateLevelProblem,
  workloadBelongsTo,
  type WebhookPolicy,
} from '../../src/webhook/decide.js';
import { podPatch, pointerToken } from '../../src/webhook/patch.js';
import { podFacts, PodShapeError } from '../../src/webhook/pod.js';
import { parseReview, reviewResponse, ReviewError } from '../../src/webhook/review.js';
import { parseNamespacePolicies } from '../../src/webhook/config.js';
import { createReview, deleteReview, pod, running, updateReview, withEphemeral } from '../fixtures/kubernetes/reviews.js';

const pool = { sensitivity: 0, categories: parseCategoryRange('c0.c1023') };
const policy: WebhookPolicy = {
  defaultPolicy: 'pod',
  namespaces: new Map([
    ['shared', 'namespace'],
    ['legacy', 'none'],
  ]),
  excluded: new Set(['kube-system', 'mcs-system']),
  onConflict: 'deny',
  selinux: {},
};
const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

/** Applies a patch as the apiserver does (RFC 6902, on a copy) and returns the result. */
function apply(p: object, ops: readonly object[]): any {
  const doc = structuredClone(p);
  const errors = jsonpatch.validate(ops as jsonpatch.Operation[], doc);
  if (errors) throw errors;
  return jsonpatch.applyPatch(doc, ops as jsonpatch.Operation[], true, false).newDocument;
}

describe('podFacts', () => {
  it('reads levels from the pod, containers, init and ephemeral containers, claims sorted and unique, the StatefulSet owner', () => {
    const p = withEphemeral(
      pod({
        name: 'db-0',
        statefulSet: 'db',
        claims: ['data-db-0', 'shared', 'data-db-0'],
        ephemeral: ['scratch'],
        level: 's0:c1,c2',
        containerLevels: [undefined, 's0:c2,c1'],
        initLevel: 's0:c1,c2',
      }),
      's0:c1,c2',
    );
    const f = podFacts(p, 'team-a');
    expect(f.levels.map((l) => [l.field, l.text])).toEqual([
      ['spec.securityContext.seLinuxOptions.level', 's0:c1,c2'],
      ['spec.containers[1].securityContext.seLinuxOptions.level', 's0:c2,c1'],
      ['spec.initContainers[0].securityContext.seLinuxOptions.level', 's0:c1,c2'],
      ['spec.ephemeralContainers[0].securityContext.seLinuxOptions.level', 's0:c1,c2'],
    ]);
    expect(f.claims).toEqual(['data-db-0', 'db-0-scratch', 'shared']);
    expect(f.statefulSet).toBe('db');
    expect(f.namespace).toBe('team-a');
  });

  it('takes the namespace from the request when the pod has none, and leaves ephemeral claims out without a name', () => {
    const p = pod({ ephemeral: ['scratch'] });
    delete p.metadata.namespace;
    const f = podFacts(p, 'team-b');
    expect([f.namespace, f.name, f.generateName, f.claims]).toEqual(['team-b', undefined, 'web-7d4f9c8b6d-', []]);
  });

  const broken: [string, (p: any) => void, string][] = [
    ['spec missing', (p) => delete p.spec, 'spec: is required'],
    ['containers not an array', (p) => (p.spec.containers = {}), 'spec.containers: must be an array'],
    ['no containers', (p) => (p.spec.containers = []), 'spec.containers: must name at least one container'],
    [
      'level a number',
      (p) => (p.spec.securityContext = { seLinuxOptions: { level: 7 } }),
      'spec.securityContext.seLinuxOptions.level: must be a string',
    ],
    [
      'claimName missing',
      (p) => p.spec.volumes.push({ name: 'x', persistentVolumeClaim: {} }),
      'spec.volumes[3].persistentVolumeClaim.claimName: must be a claim name',
    ],
    ['annotation not a string', (p) => (p.metadata.annotations = { a: 1 }), 'metadata.annotations.a: must be a string'],
    ['bad namespace', (p) => (p.metadata.namespace = 'Team_A'), 'metadata.namespace: "Team_A" is not a namespace name'],
    ['kind not Pod', (p) => (p.kind = 'Deployment'), 'object.kind: must be Pod, not "Deployment"'],
    [
      'grace not a number',
      (p) => (p.spec.terminationGracePeriodSeconds = '30'),
      'spec.terminationGracePeriodSeconds: must be a whole number',
    ],
  ];
  it.each(broken)('refuses a malformed pod: %s', (_, change, message) => {
    const p = pod();
    change(p);
    expect(() => podFacts(p, 'team-a')).toThrowError(new PodShapeError('x', 'y').constructor);
    expect(() => podFacts(p, 'team-a')).toThrow(message);
  });
  it('refuses what is not an object at all', () => {
    for (const v of [null, 3, 'pod', []]) expect(() => podFacts(v, 'a')).toThrow(PodShapeError);
  });
});

describe('planCreate', () => {
  const plan = (p: any, forced?: 'pod' | 'namespace' | 'none') => planCreate(podFacts(p, p.metadata.namespace), UID, policy, pool, forced);
  const rows: [string, any, Record<string, unknown>][] = [
    [
      'a named pod without a level: its own random lease',
      pod({ name: 'web-1' }),
      { kind: 'lease', workloadId: 'pod:team-a/web-1', level: undefined, anchors: [], stableKey: '' },
    ],
    ['a generateName pod: generateName and the admission uid', pod(), { kind: 'lease', workloadId: 'pod:team-a/web-7d4f9c8b6d-#705ab4f5' }],
    ['a pod level, canonicalised', pod({ name: 'a', level: 's0:c9,c3' }), { kind: 'lease', level: 's0:c3,c9' }],
    ['a container level only', pod({ name: 'a', containerLevels: ['s0:c4,c5'] }), { kind: 'lease', level: 's0:c4,c5' }],
    ['an init container level only', pod({ name: 'a', initLevel: 's0:c4,c5' }), { kind: 'lease', level: 's0:c4,c5' }],
    ['a static level of one category', pod({ name: 'a', level: 's0:c7' }), { kind: 'lease', level: 's0:c7' }],
    [
      'the same level written two ways',
      pod({ name: 'a', level: 's0:c1,c2', containerLevels: ['s0:c2,c1'] }),
      { kind: 'lease', level: 's0:c1,c2' },
    ],
    [
      'claims: anchors in claim order',
      pod({ name: 'a', claims: ['b', 'a'] }),
      {
        kind: 'lease',
        anchors: [
          { workloadId: 'pvc:team-a/a', what: 'claim a', stableKey: 'pvc:team-a/a' },
          { workloadId: 'pvc:team-a/b', what: 'claim b', stableKey: 'pvc:team-a/b' },
        ],
      },
    ],
    [
      'a StatefulSet pod without claims: a stable key',
      pod({ name: 'db-0', statefulSet: 'db' }),
      { kind: 'lease', stableKey: 'pod:team-a/db-0' },
    ],
    [
      'a StatefulSet pod with a claim: the claim carries the key',
      pod({ name: 'db-0', statefulSet: 'db', claims: ['data-db-0'] }),
      {
        kind: 'lease',
        stableKey: '',
        anchors: [{ workloadId: 'pvc:team-a/data-db-0', what: 'claim data-db-0', stableKey: 'pvc:team-a/data-db-0' }],
      },
    ],
    ['seLinuxChangePolicy is carried', pod({ name: 'a', changePolicy: 'Recursive' }), { kind: 'lease', changePolicy: 'Recursive' }],
    [
      'namespace policy: the namespace anchor, claims ignored',
      pod({ name: 'a', namespace: 'shared', claims: ['x'] }),
      { kind: 'lease', policy: 'namespace', anchors: [{ workloadId: 'ns:shared', what: 'namespace shared', stableKey: 'ns:shared' }] },
    ],
    ['policy none', pod({ name: 'a', namespace: 'legacy' }), { kind: 'skip', why: 'policy none' }],
    ['an excluded namespace', pod({ name: 'a', namespace: 'kube-system' }), { kind: 'skip', why: 'namespace excluded' }],
    ['a windows pod', pod({ name: 'a', windows: true }), { kind: 'skip' }],
    ['the bare sensitivity', pod({ name: 'a', level: 's0' }), { kind: 'skip', why: 'bare sensitivity' }],
    [
      'two different levels',
      pod({ name: 'a', level: 's0:c1,c2', containerLevels: ['s0:c1,c3'] }),
      {
        kind: 'deny',
        code: 400,
        message:
          'spec.containers[0].securityContext.seLinuxOptions.level is s0:c1,c3 but spec.securityContext.seLinuxOptions.level is s0:c1,c2: the containers of a pod share one level (their volumes are mounted with one label)',
      },
    ],
    ['a level outside the pool', pod({ name: 'a', level: 's0:c1,c2000' }), { kind: 'deny', code: 400 }],
    [
      'a level at another sensitivity',
      pod({ name: 'a', level: 's1:c1,c2' }),
      { kind: 'deny', code: 400, message: "spec.securityContext.seLinuxOptions.level: must be at the pool's sensitivity s0" },
    ],
    ['a malformed level', pod({ name: 'a', level: 'c1,c2' }), { kind: 'deny', code: 400 }],
  ];
  it.each(rows)('%s', (_, p, expected) => {
    expect(plan(p)).toMatchObject(expected);
  });
  it('a path-forced policy wins over the flags, but not over an exclusion', () => {
    expect(plan(pod({ name: 'a', namespace: 'legacy' }), 'pod')).toMatchObject({ kind: 'lease', policy: 'pod' });
    expect(plan(pod({ name: 'a' }), 'namespace')).toMatchObject({ kind: 'lease', policy: 'namespace' });
    expect(plan(pod({ name: 'a', namespace: 'kube-system' }), 'pod')).toMatchObject({ kind: 'skip' });
    expect(policyFor('team-a', policy)).toBe('pod');
  });
});

describe('workload ids', () => {
  it('fit 256 characters whatever the names, and stay distinct', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
        fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,251}[a-z0-9]$/),
        fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,251}[a-z0-9]$/),
        (ns, a, b) => {
          const x = podWorkload({ namespace: ns, name: a, generateName: undefined }, UID);
          const y = podWorkload({ namespace: ns, name: b, generateName: undefined }, UID);
          expect(x.length).toBeLessThanOrEqual(256);
          expect(/^[\x21-\x7e]+$/.test(x)).toBe(true);
          if (a !== b) expect(x).not.toBe(y);
          expect(workloadBelongsTo(x, { namespace: ns, name: a, generateName: undefined })).toBe(true);
        },
      ),
    );
  });
  it('a long id keeps its prefix and a digest', () => {
    const long = `pod:ns/${'a'.repeat(300)}`;
    expect(boundedId(long)).toMatch(/^pod:ns\/a+#[0-9a-f]{16}$/);
    expect(boundedId(long).length).toBe(256);
  });
  it('tell namespace and pod for listings', () => {
    expect(podOfWorkload('pod:team-a/web-1')).toEqual({ namespace: 'team-a', pod: 'web-1' });
    expect(podOfWorkload('pod:team-a/web-7d4f9c8b6d-#705ab4f5')).toEqual({ namespace: 'team-a', pod: 'web-7d4f9c8b6d-*' });
    expect(podOfWorkload('pvc:team-a/data')).toBeUndefined();
    expect(podOfWorkload('4f3c9a')).toBeUndefined();
  });
  it('an annotation naming another pod or namespace does not belong', () => {
    const f = { namespace: 'team-a', name: 'web-7d4f9c8b6d-x9k2p', generateName: 'web-7d4f9c8b6d-' };
    expect(workloadBelongsTo('pod:team-a/web-7d4f9c8b6d-#705ab4f5', f)).toBe(true);
    expect(workloadBelongsTo('pod:team-a/web-7d4f9c8b6d-x9k2p', f)).toBe(true);
    expect(workloadBelongsTo('pod:team-b/web-7d4f9c8b6d-#705ab4f5', f)).toBe(false);
    expect(workloadBelongsTo('pod:team-a/db-#705ab4f5', f)).toBe(false);
    expect(workloadBelongsTo('pvc:team-a/data', f)).toBe(false);
  });
});

describe('isFinalDelete', () => {
  const scheduled = running(pod({ name: 'web-1' }));
  const rows: [string, any, unknown, boolean][] = [
    ['a running pod, first graceful delete (kubectl delete)', scheduled, { gracePeriodSeconds: 30 }, false],
    ["a running pod, delete with the pod's own grace (no gracePeriodSeconds)", scheduled, {}, false],
    [
      "the kubelet's last delete after its containers stopped",
      { ...scheduled, metadata: { ...scheduled.metadata, deletionTimestamp: '2026-12-02T10:12:00Z' } },
      { gracePeriodSeconds: 0 },
      true,
    ],
    ['a force delete', scheduled, { gracePeriodSeconds: 0 }, true],
    ['a pod never scheduled (no nodeName)', pod({ name: 'web-1' }), { gracePeriodSeconds: 30 }, true],
    ['a Succeeded pod', { ...scheduled, status: { phase: 'Succeeded' } }, {}, true],
    ['a Failed pod', { ...scheduled, status: { phase: 'Failed' } }, { gracePeriodSeconds: 30 }, true],
    ['a pod whose own grace is 0', { ...scheduled, spec: { ...scheduled.spec, terminationGracePeriodSeconds: 0 } }, undefined, true],
    [
      'a second graceful delete while terminating',
      { ...scheduled, metadata: { ...scheduled.metadata, deletionTimestamp: '2026-12-02T10:12:00Z' } },
      { gracePeriodSeconds: 10 },
      false,
    ],
  ];
  it.each(rows)('%s', (_, p, options, final) => {
    expect(isFinalDelete(podFacts(p, 'team-a'), options)).toBe(final);
  });
});

describe('updates', () => {
  it("refuse a change of the webhook's annotations, in either direction", () => {
    const a = { 'io.mcs-allocator.lease-id': 'aaaa', 'io.mcs-allocator.workload-id': 'pod:x/y' };
    expect(changedAnnotation(a, { ...a })).toBeUndefined();
    expect(changedAnnotation(a, { ...a, other: 'x' })).toBeUndefined();
    expect(changedAnnotation(a, { ...a, 'io.mcs-allocator.lease-id': 'bbbb' })).toBe('io.mcs-allocator.lease-id');
    expect(changedAnnotation(a, { 'io.mcs-allocator.lease-id': 'aaaa' })).toBe('io.mcs-allocator.workload-id');
    expect(changedAnnotation({}, { 'io.mcs-allocator.workload-id': 'pod:x/z' })).toBe('io.mcs-allocator.workload-id');
  });
  it("an ephemeral container at another level is a problem, at the pod's level or none it is not", () => {
    const old = running(pod({ name: 'web-1', level: 's0:c1,c2' }));
    expect(updateLevelProblem(podFacts(old, 'team-a'), podFacts(withEphemeral(old), 'team-a'))).toBeUndefined();
    expect(updateLevelProblem(podFacts(old, 'team-a'), podFacts(withEphemeral(old, 's0:c1,c2'), 'team-a'))).toBeUndefined();
    expect(updateLevelProblem(podFacts(old, 'team-a'), podFacts(withEphemeral(old, 's0:c3,c4'), 'team-a'))).toMatch(
      /spec.ephemeralContainers\[0\].*s0:c3,c4.*level s0:c1,c2/,
    );
  });
});

describe('podPatch applied with a JSON Patch library', () => {
  const annotations = { 'io.mcs-allocator.lease-id': 'aaata42dsjvpkud4', 'io.mcs-allocator.workload-id': 'pod:team-a/web-1' };
  const cases: [string, any][] = [
    ['a defaulted pod (securityContext {})', pod({ name: 'web-1' })],
    ['no securityContext at all', pod({ name: 'web-1', noSecurityContext: true })],
    [
      'seLinuxOptions with a type of its own',
      (() => {
        const p = pod({ name: 'web-1' });
        p.spec.securityContext = { seLinuxOptions: { type: 'container_kvm_t' }, runAsNonRoot: true };
        return p;
      })(),
    ],
    ['annotations present already', pod({ name: 'web-1', annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-01T00:00:00Z' } })],
    ['seLinuxChangePolicy MountOption set', pod({ name: 'web-1', changePolicy: 'MountOption' })],
  ];
  it.each(cases)('%s', (_, p) => {
    const f = podFacts(p, 'team-a');
    const ops = podPatch(f, { level: 's0:c4,c611', user: 'system_u', role: 'system_r', type: 'container_t' }, annotations);
    const out = apply(p, ops);
    expect(out.spec.securityContext.seLinuxOptions.level).toBe('s0:c4,c611');
    expect(out.spec.securityContext.seLinuxOptions.user).toBe('system_u');
    expect(out.spec.securityContext.seLinuxOptions.role).toBe('system_r');
    // A type the pod sets itself stays.
    expect(out.spec.securityContext.seLinuxOptions.type).toBe(p.spec.securityContext?.seLinuxOptions?.type ?? 'container_t');
    for (const [k, v] of Object.entries(annotations)) expect(out.metadata.annotations[k]).toBe(v);
    for (const [k, v] of Object.entries(p.metadata.annotations ?? {})) expect(out.metadata.annotations[k]).toBe(v);
    // Nothing else changed.
    const strip = (x: any) => {
      const y = structuredClone(x);
      delete y.metadata.annotations;
      delete y.spec.securityContext;
      return y;
    };
    expect(strip(out)).toEqual(strip(p));
    if (p.spec.securityContext?.runAsNonRoot) expect(out.spec.securityContext.runAsNonRoot).toBe(true);
    if (p.spec.securityContext?.seLinuxChangePolicy) expect(out.spec.securityContext.seLinuxChangePolicy).toBe('MountOption');
  });
  it('sets seLinuxChangePolicy Recursive when asked, and leaves a pod level as the pod wrote it', () => {
    const p = pod({ name: 'web-1', level: 's0:c200,c100' });
    const out = apply(p, podPatch(podFacts(p, 'team-a'), { level: 's0:c100,c200', changePolicy: 'Recursive' }, annotations));
    expect(out.spec.securityContext).toEqual({ seLinuxOptions: { level: 's0:c200,c100' }, seLinuxChangePolicy: 'Recursive' });
    const q = pod({ name: 'web-1', noSecurityContext: true });
    expect(apply(q, podPatch(podFacts(q, 'team-a'), { level: 's0:c1,c2', changePolicy: 'Recursive' }, {})).spec.securityContext).toEqual({
      seLinuxOptions: { level: 's0:c1,c2' },
      seLinuxChangePolicy: 'Recursive',
    });
  });
  it('escapes annotation keys as JSON Pointer tokens (RFC 6901)', () => {
    fc.assert(
      fc.property(
        // fast-check offers "__proto__" as a key now and then; the patch library that applies the patch here refuses
        // to touch it (not the API server, and no annotation key can be it: names begin with a letter or a digit).
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k !== '__proto__'),
          fc.string({ maxLength: 10 }),
          { minKeys: 1, maxKeys: 5 },
        ),
        (extra) => {
          const p = pod({ name: 'web-1', annotations: { keep: 'yes' } });
          const out = apply(p, podPatch(podFacts(p, 'team-a'), { level: 's0:c1,c2' }, extra));
          for (const [k, v] of Object.entries(extra)) expect(out.metadata.annotations[k]).toBe(v);
          if (!('keep' in extra)) expect(out.metadata.annotations.keep).toBe('yes');
        },
      ),
    );
    expect(pointerToken('a/b~c')).toBe('a~1b~0c');
  });
});

describe('AdmissionReview', () => {
  it('parses the wire format of CREATE, DELETE and UPDATE requests', () => {
    const c = parseReview(createReview(pod({ name: 'web-1' }), { uid: UID, dryRun: true }));
    expect([c.uid, c.operation, c.namespace, c.name, c.dryRun, c.resource.resource, c.subResource]).toEqual([
      UID,
      'CREATE',
      'team-a',
      'web-1',
      true,
      'pods',
      '',
    ]);
    const d = parseReview(deleteReview(running(pod({ name: 'web-1' })), { gracePeriodSeconds: 0 }));
    expect([d.operation, d.object, (d.options as any).gracePeriodSeconds]).toEqual(['DELETE', undefined, 0]);
    const u = parseReview(updateReview(pod({ name: 'a' }), pod({ name: 'a' }), 'ephemeralcontainers'));
    expect([u.operation, u.subResource]).toEqual(['UPDATE', 'ephemeralcontainers']);
  });
  const bad: [string, unknown, string][] = [
    ['an array', [], 'the body must be a JSON object'],
    [
      'v1beta1',
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} },
      'apiVersion must be admission.k8s.io/v1, not "admission.k8s.io/v1beta1"',
    ],
    ['another kind', { apiVersion: 'admission.k8s.io/v1', kind: 'TokenReview', request: {} }, 'kind must be AdmissionReview'],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'request is required'],
    ['no uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }, 'request.uid'],
    [
      'a bad operation',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'PATCH', kind: {}, resource: {} } },
      'request.operation',
    ],
    [
      'no resource',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'CREATE', kind: {} } },
      'request.resource is required',
    ],
  ];
  it.each(bad)('refuses %s', (_, body, message) => {
    expect(() => parseReview(body)).toThrow(ReviewError);
    expect(() => parseReview(body)).toThrow(message);
  });
  it('answers with the request uid, a base64 JSONPatch, and a Status on refusals', () => {
    const ops = [{ op: 'add' as const, path: '/spec/securityContext', value: {} }];
    const ok = reviewResponse(UID, { allowed: true, patch: ops, warnings: ['w'] }) as any;
    expect(ok).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: UID, allowed: true, patchType: 'JSONPatch', warnings: ['w'] },
    });
    expect(JSON.parse(Buffer.from(ok.response.patch, 'base64').toString())).toEqual(ops);
    const no = reviewResponse(UID, { allowed: false, code: 409, message: 'level held' }) as any;
    expect(no.response).toEqual({
      uid: UID,
      allowed: false,
      status: { metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'level held' },
    });
    expect((reviewResponse(UID, { allowed: true }) as any).response).toEqual({ uid: UID, allowed: true });
  });
});

describe('--namespace-policy', () => {
  it('reads ns=policy lists and refuses anything else', () => {
    expect([...parseNamespacePolicies('a=pod, b=namespace c=none')]).toEqual([
      ['a', 'pod'],
      ['b', 'namespace'],
      ['c', 'none'],
    ]);
    expect(() => parseNamespacePolicies('a=shared')).toThrow('--namespace-policy: must be pod, namespace or none');
    expect(() => parseNamespacePolicies('A=pod')).toThrow('is not namespace=policy');
    expect(() => parseNamespacePolicies('a')).toThrow('is not namespace=policy');
  });
});
