/**
 * admission.k8s.io/v1 AdmissionReview, in and out. Pure.
 *
 * A body that is not an AdmissionReview v1 with a request (wrong
 * apiVersion or kind, no request.uid) cannot be answered in kind: the
 * server answers it with HTTP 400. Anything wrong inside the request (a
 * malformed pod) is answered as an AdmissionReview whose response refuses
 * it with status code 400 and a message that names the field.
 */
import type { PatchOperation, RemoveOperation } from './patch.js';

export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: Operation;
  readonly kind: { group: string; version: string; kind: string };
  readonly resource: { group: string; version: string; resource: string };
  readonly subResource: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: unknown;
  readonly oldObject: unknown;
  readonly options: unknown;
  readonly dryRun: boolean;
}

const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

function gvk(v: unknown, field: string, keys: readonly string[]): Record<string, string> {
  if (typeof v !== 'object' || v === null) throw new ReviewError(`request.${field} is required`);
  const out: Record<string, string> = {};
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && typeof x !== 'string') throw new ReviewError(`request.${field}.${k} must be a string`);
    out[k] = x ?? '';
  }
  return out;
}

/** Parses a request body (already JSON-decoded). */
export function parseReview(body: unknown): AdmissionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ReviewError('the body must be a JSON object (an AdmissionReview)');
  const b = body as Record<string, unknown>;
  if (b.apiVersion !== 'admission.k8s.io/v1')
    throw new ReviewError(`apiVersion must be admission.k8s.io/v1, not ${JSON.stringify(b.apiVersion)}`);
  if (b.kind !== 'AdmissionReview') throw new ReviewError(`kind must be AdmissionReview, not ${JSON.stringify(b.kind)}`);
  const r = b.request;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ReviewError('request is required');
  const q = r as Record<string, unknown>;
  if (typeof q.uid !== 'string' || q.uid === '' || q.uid.length > 128) throw new ReviewError('request.uid must be a non-empty string');
  if (typeof q.operation !== 'string' || !OPERATIONS.has(q.operation))
    throw new ReviewError(`request.operation must be CREATE, UPDATE, DELETE or CONNECT, not ${JSON.stringify(q.operation)}`);
  for (const k of ['namespace', 'name', 'subResource'] as const) {
    if (q[k] !== undefined && typeof q[k] !== 'string') throw new ReviewError(`request.${k} must be a string`);
  }
  if (q.dryRun !== undefined && typeof q.dryRun !== 'boolean') throw new ReviewError('request.dryRun must be a boolean');
  return {
    uid: q.uid,
    operation: q.operation as Operation,
    kind: gvk(q.kind, 'kind', ['group', 'version', 'kind']) as AdmissionRequest['kind'],
    resource: gvk(q.resource, 'resource', ['group', 'version', 'resource']) as AdmissionRequest['resource'],
    subResource: (q.subResource as string | undefined) ?? '',
    namespace: (q.namespace as string | undefined) ?? '',
    name: (q.name as string | undefined) ?? '',
    object: q.object ?? undefined,
    oldObject: q.oldObject ?? undefined,
    options: q.options ?? undefined,
    dryRun: q.dryRun === true,
  };
}

export interface Verdict {
  readonly allowed: boolean;
  readonly patch?: readonly (PatchOperation | RemoveOperation)[];
  /** Refusals: an HTTP-like code (400 bad pod, 403 refused, 409 conflict, 503 unavailable) and a message. */
  readonly code?: number;
  readonly message?: string;
  readonly warnings?: readonly string[];
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  409: 'Conflict',
  422: 'Invalid',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** The AdmissionReview answering request `uid`. */
export function reviewResponse(uid: string, v: Verdict): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: v.allowed };
  if (v.patch && v.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(v.patch)).toString('base64');
  }
  if (!v.allowed) {
    const code = v.code ?? 403;
    response.status = { metadata: {}, status: 'Failure', code, reason: REASONS[code] ?? 'Forbidden', message: v.message ?? 'refused' };
  }
  // Kubernetes shows warnings to the client; each at most 256 characters is what it keeps readable.
  if (v.warnings && v.warnings.length > 0) response.warnings = v.warnings.map((w) => (w.length > 256 ? `${w.slice(0, 253)}...` : w));
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
