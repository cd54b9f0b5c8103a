/**
 * The service's errors on the wire, for both ends: a google.rpc.Status
 * with one google.rpc.ErrorInfo in the `grpc-status-details-bin` trailer
 * (the standard rich error model), and the bare reason in a trailer of its
 * own for clients that do not decode it. Nothing here knows the server or
 * the store: mcsctl, the host agent and the tests decode with it, the
 * server encodes.
 */
import { join } from 'node:path';
import type { Metadata } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { protoDir } from '../proto.js';

export const ERROR_DOMAIN = 'mcs-allocator';
/** Trailer with the bare reason, for clients that do not decode google.rpc.Status. */
export const REASON_TRAILER = 'mcs-error-reason';
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

export interface ErrorInfo {
  readonly reason: string;
  readonly domain: string;
  readonly metadata: Record<string, string>;
}

let statusTypes: { status: protobuf.Type; errorInfo: protobuf.Type } | undefined;

function types() {
  if (!statusTypes) {
    // Google's definitions (proto/google/rpc mirrors googleapis): Status in
    // status.proto, ErrorInfo in error_details.proto.
    const dir = join(protoDir(), 'google', 'rpc');
    const root = new protobuf.Root().loadSync([join(dir, 'status.proto'), join(dir, 'error_details.proto')], { keepCase: true });
    statusTypes = {
      status: root.lookupType('google.rpc.Status'),
      errorInfo: root.lookupType('google.rpc.ErrorInfo'),
    };
  }
  return statusTypes;
}

/** The google.rpc.Status of an error with one ErrorInfo (ERROR_DOMAIN), encoded. */
export function encodeStatusDetails(code: number, message: string, reason: string, metadata: Record<string, string>): Uint8Array {
  const { status, errorInfo } = types();
  const info = errorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata }).finish();
  return status
    .encode({
      code,
      message,
      details: [{ type_url: 'type.googleapis.com/google.rpc.ErrorInfo', value: info }],
    })
    .finish();
}

/** Decodes the ErrorInfo from a client-side error, if it carries one. */
export function errorInfoOf(err: { metadata?: Metadata }): ErrorInfo | undefined {
  const raw = err.metadata?.get(STATUS_DETAILS_TRAILER)[0];
  if (!raw || typeof raw === 'string') return undefined;
  const { status, errorInfo } = types();
  const decoded = status.decode(raw) as unknown as { details: { type_url: string; value: Uint8Array }[] };
  const any = decoded.details.find((d) => d.type_url.endsWith('/google.rpc.ErrorInfo'));
  if (!any) return undefined;
  return errorInfo.toObject(errorInfo.decode(any.value), { defaults: true }) as ErrorInfo;
}

/**
 * The service's machine-readable reason of a client-side error: the
 * trailer, else the ErrorInfo; undefined when the server sent neither (a
 * transport failure, or another server).
 */
export function reasonOf(err: { metadata?: Metadata }): string | undefined {
  const trailer = err.metadata?.get(REASON_TRAILER)[0];
  if (typeof trailer === 'string' && trailer !== '') return trailer;
  try {
    const info = errorInfoOf(err);
    if (info?.reason) return info.reason;
  } catch {
    // an undecodable status detail: treat as absent
  }
  return undefined;
}
