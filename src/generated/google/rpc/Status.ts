// Original file: proto/google/rpc/status.proto

import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from '../../google/protobuf/Any';

/**
 * The error model of gRPC. The service sends one, serialized, in the
 * `grpc-status-details-bin` trailer of every failed call.
 */
export interface Status {
  /**
   * The status code (a google.rpc.Code value; the same as the call's gRPC status).
   */
  'code'?: (number);
  /**
   * What went wrong, in English, for developers.
   */
  'message'?: (string);
  /**
   * Machine-readable details; this service sends one google.rpc.ErrorInfo.
   */
  'details'?: (_google_protobuf_Any)[];
}

/**
 * The error model of gRPC. The service sends one, serialized, in the
 * `grpc-status-details-bin` trailer of every failed call.
 */
export interface Status__Output {
  /**
   * The status code (a google.rpc.Code value; the same as the call's gRPC status).
   */
  'code': (number);
  /**
   * What went wrong, in English, for developers.
   */
  'message': (string);
  /**
   * Machine-readable details; this service sends one google.rpc.ErrorInfo.
   */
  'details': (_google_protobuf_Any__Output)[];
}
