/**
 * deploy/kubernetes checked offline: every object against the Kubernetes
 * OpenAPI schemas (kubernetes-models, from npm, and its cert-manager
 * models), then what the schemas cannot know: the webhook paths exist, the
 * flags and environment variables are ones the commands take, the
 * kustomization lists every file, and make-certs.sh makes a certificate the
 * webhook's Service name verifies against, with that CA in the caBundles.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import * as admissionregistration from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { registerWebhookCommand } from '../../src/webhook/command.js';
import { registerAgentCommand } from '../../src/agent/command.js';
import { REPO_ROOT } from '../../testkit/process.js';

const DIR = join(REPO_ROOT, 'deploy', 'kubernetes');
const MODELS: Record<string, Record<string, unknown>> = {
  'admissionregistration.k8s.io/v1': admissionregistration,
  'apps/v1': apps,
  v1: core,
  'policy/v1': policy,
  'cert-manager.io/v1': certManager,
};

type Doc = Record<string, any>;

function docsOf(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  });
}

/** Validates one object with the model of its apiVersion and kind; throws the schema's complaint. */
function validate(doc: Doc): void {
  const models = MODELS[doc.apiVersion];
  if (!models) throw new Error(`no schema for ${doc.apiVersion}`);
  const Model = models[doc.kind] as (new (d: Doc) => { validate(): void }) | undefined;
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const all = files.flatMap((f) => docsOf(f).map((d) => ({ file: f, doc: d })));
const find = (kind: string, name: string) => all.find((x) => x.doc.kind === kind && x.doc.metadata.name === name)!.doc;

describe('deploy/kubernetes', () => {
  it.each(all.map((x) => [`${x.file}: ${x.doc.kind} ${x.doc.metadata?.name}`, x.doc] as const))(
    '%s is valid against its schema',
    (_, doc) => {
      expect(() => validate(doc)).not.toThrow();
    },
  );

  it('the schema check fails on a broken object (the check can fail)', () => {
    const d = structuredClone(find('Deployment', 'mcs-allocator'));
    d.spec.replicas = 'two';
    expect(() => validate(d)).toThrow(/replicas must be integer/);
    const w = structuredClone(find('MutatingWebhookConfiguration', 'mcs-allocator'));
    delete w.webhooks[0].sideEffects;
    expect(() => validate(w)).toThrow(/sideEffects/);
  });

  it('the kustomization lists every manifest', () => {
    const k = docsOf('kustomization.yaml')[0]!;
    expect([...k.resources].sort()).toEqual([...files].sort());
  });

  it('webhook configurations: paths the webhook serves, v1 reviews, no side effects on dry runs, within the timeout', () => {
    const mutating = find('MutatingWebhookConfiguration', 'mcs-allocator');
    const validating = find('ValidatingWebhookConfiguration', 'mcs-allocator');
    const paths = /^\/(mutate|validate)(\/(pod|namespace|none))?$/;
    for (const w of [...mutating.webhooks, ...validating.webhooks]) {
      expect(w.clientConfig.service).toMatchObject({ name: 'mcs-webhook', namespace: 'mcs-system', port: 443 });
      expect(w.clientConfig.service.path).toMatch(paths);
      expect(w.admissionReviewVersions).toEqual(['v1']);
      expect(w.sideEffects).toBe('NoneOnDryRun');
      expect(w.timeoutSeconds).toBeLessThanOrEqual(10);
      // The service's own namespace is never sent to it.
      expect(w.namespaceSelector.matchExpressions).toContainEqual({
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', 'mcs-system'],
      });
    }
    expect(
      mutating.webhooks.every((w: Doc) => w.reinvocationPolicy === 'Never' && w.rules.every((r: Doc) => r.operations.join() === 'CREATE')),
    ).toBe(true);
    expect(validating.webhooks[0].failurePolicy).toBe('Ignore');
    expect(validating.webhooks[0].rules.flatMap((r: Doc) => r.operations).sort()).toEqual(['DELETE', 'UPDATE']);
    // The Service routes 443 to the container port the webhook listens on.
    const svc = find('Service', 'mcs-webhook');
    const dep = find('Deployment', 'mcs-allocator');
    const container = dep.spec.template.spec.containers.find((c: Doc) => c.name === 'webhook');
    expect(container.ports.find((p: Doc) => p.name === svc.spec.ports[0].targetPort).containerPort).toBe(8443);
    expect(container.args).toContain('--listen=0.0.0.0:8443');
  });

  it('flags and environment variables are ones the commands take', () => {
    const program = new Command();
    registerWebhookCommand(program);
    registerAgentCommand(program);
    const [webhook, agent] = program.commands;
    const longs = new Set(webhook!.options.map((o) => o.long));
    const dep = find('Deployment', 'mcs-allocator');
    const c = dep.spec.template.spec.containers.find((x: Doc) => x.name === 'webhook');
    expect(c.args[0]).toBe('webhook');
    for (const a of c.args.slice(1)) expect(longs.has(a.replace(/=.*$/, '')), a).toBe(true);
    const ds = find('DaemonSet', 'mcs-allocator-agent');
    const envs = new Set(agent!.options.map((o) => o.envVar));
    for (const e of ds.spec.template.spec.containers[0].env) expect(envs.has(e.name), e.name).toBe(true);
    // The agent mounts the socket it is told to use.
    const a = ds.spec.template.spec.containers[0];
    const socket = a.env.find((e: Doc) => e.name === 'MCS_RUNTIME_SOCKET').value;
    expect(a.volumeMounts.map((m: Doc) => m.mountPath)).toContain(socket);
  });

  it('make-certs.sh makes a serving certificate for the Service name, and puts its CA in every caBundle', () => {
    const out = mkdtempSync(join(tmpdir(), 'mcs-certs-'));
    try {
      execFileSync('sh', [join(DIR, 'make-certs.sh'), out], { stdio: 'pipe' });
      const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
      const tls = new X509Certificate(readFileSync(join(out, 'tls.crt')));
      expect(tls.verify(ca.publicKey)).toBe(true);
      expect(tls.checkHost('mcs-webhook.mcs-system.svc')).toBe('mcs-webhook.mcs-system.svc');
      const docs = parseAllDocuments(readFileSync(join(out, 'manifests.yaml'), 'utf8')).map((d) => d.toJS() as Doc);
      for (const d of docs) expect(() => validate(d)).not.toThrow();
      const bundle = readFileSync(join(out, 'ca.crt')).toString('base64');
      const hooks = docs.filter((d) => d.kind.endsWith('WebhookConfiguration')).flatMap((d) => d.webhooks);
      expect(hooks.length).toBe(3);
      for (const w of hooks) expect(w.clientConfig.caBundle).toBe(bundle);
      expect(docs[0]).toMatchObject({ kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'mcs-webhook-tls' } });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
