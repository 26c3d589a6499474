/** Errors of the RPC layer: codes, the typed class and factories. */
export {
  RpcError,
  TimeoutError,
  UnavailableError,
  BadRequestError,
  ProtocolError,
  RemoteError,
  unavailable,
  RpcErrorCode,
  RPC_ERR_NUMBERS,
  RPC_ERR_APPLICATION,
  errorFromPayload,
  frameInvalid,
  frameTooLarge,
  headInvalid,
  badRequest,
  badResponse,
  invalidMethodName,
  methodAlreadyRegistered,
  methodNotFound,
  timeout,
  deadlineExceeded,
  overloaded,
  connectionFailed,
  connectionClosed,
  clientClosed,
  invalidOption,
  rateLimited,
  circuitOpen,
} from './rpc.errors.js';
/** Rate limits enforced by the callee: token buckets per method. */
export { RateLimiter, checkRateLimit } from './governance/rate-limiter.js';
export { TokenBucket } from './governance/token-bucket.js';
export { ClusterBucket } from './governance/cluster-quota.js';
export type { QuotaStore, QuotaStoreStats } from './governance/cluster-quota.js';
export type { RateLimit, Admission } from './governance/rate-limiter.js';
/** Circuit breakers kept by the caller per callee method. */
export { CircuitBreaker, CircuitBreakers, BreakerState, DEFAULT_BREAKER_SETTINGS, breakerSettings } from './governance/circuit-breaker.js';
export type { BreakerSettings, BreakerReport } from './governance/circuit-breaker.js';
/** A service's traffic policy (limits for its instances, breaker settings for its callers) and its parser. */
export { parseTrafficPolicy } from './governance/traffic-policy.js';
export { RoutingRules } from './governance/routing-rules.js';
export type { TrafficPolicy } from './governance/traffic-policy.js';
/** The frame head (MSEC's CRpcHead plus MSEC-TS fields) and its pure codec. */
export { HeadField, HEAD_VERSION, encodeHead, headSize, headSizeBound, writeHead } from './rpc-head.js';
export { decodeHead } from './head-decoder.js';
export type { RpcHead } from './rpc-head.js';
/** The pure frame codec: `( u32 u32 head body )`. */
export {
  FrameDecoder,
  encodeFrame,
  writeFrame,
  frameSizeBound,
  FRAME_STX,
  FRAME_ETX,
  FRAME_OVERHEAD,
  DEFAULT_MAX_FRAME_BYTES,
} from './frame-codec.js';
export type { Frame } from './frame-codec.js';
/** Errors in reply heads, both ways. */
export { errorHeadFields, errorFromHead, headIsError } from './error-wire.js';
/** Message codecs: protobufjs types, JSON, raw bytes. */
export { protobufCodec, jsonCodec, rawCodec } from './message-codec.js';
export type { MessageCodec, EncodedBody } from './message-codec.js';
/** Method declarations shared by caller and callee. */
export { defineMethod, isMethodName } from './method.js';
export type { MethodDef } from './method.js';
/** What a handler knows about the call it serves. */
export { contextFromHead } from './call-context.js';
export type { CallContext } from './call-context.js';
/** The server: TCP frames and HTTP+JSON on one port. */
export { RpcServer } from './rpc-server.js';
export type { RpcServerOptions, RpcHandler } from './rpc-server.js';
/** The client: pooled, multiplexed connections with timeouts and deadline propagation. */
export { RpcClient } from './rpc-client.js';
export type { RpcClientOptions, CallOptions } from './rpc-client.js';
export type { Endpoint } from './rpc-connection.js';
/** Loading .proto files and binding their services to methods. */
export { loadProto, parseProto, bindService } from './proto-service.js';
export type { BoundMethod, BoundService } from './proto-service.js';
/** Calls by service name through a router (nlb), with retries where they are safe. */
export { RoutedClient } from './routed-client.js';
export type { Router, RouteLike, RoutedClientOptions, RoutedCallOptions } from './routed-client.js';
/** Observing calls and logging protocol trouble. */
export { consoleLogger, silentLogger, HeadCallEvent, recordCallStats } from './call-events.js';
export type { CallEvent, CallListener, CallStatsSink, RpcLogger } from './call-events.js';
/** Where a request enters: its trace id (MSEC's flow_id when it has one) and whether it is traced. */
export { enterTrace } from './trace-entry.js';
export type { TraceSampler } from './trace-entry.js';
/** MSEC's development package: TypeScript types, a server skeleton and a client from a .proto. */
export { generateTypeScript, generateFromRoot, writeTypeScript } from './codegen/generate-typescript.js';
export type { GeneratedTypeScript } from './codegen/generate-typescript.js';
/** Python stubs for the Python SDK (sdk/python): `msec gen x.proto --lang python`. */
export { generatePython, generatePythonFromRoot, writePython } from './codegen/generate-python.js';
