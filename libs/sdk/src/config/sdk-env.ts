import { hostname } from 'node:os';
import { parseZkAuth, type ZkIdentity } from '@msec/nlb';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import { LINE_BUDGET_DEFAULTS } from '../log/logger.js';

/** Where and as whom a business process runs: what the agent puts in its environment. */
export interface SdkEnvironment {
  /** `First.Second` this process serves as (MSEC_SERVICE). */
  service: string | undefined;
  /** Address to listen on and announce (MSEC_HOST, default 127.0.0.1). */
  host: string;
  /** Port to listen on (MSEC_PORT); 0 picks a free one. */
  port: number;
  /** ZooKeeper for routes (MSEC_ZK_CONNECT); absent means direct-address calls only. */
  zkConnect: string | undefined;
  /** ZooKeeper digest identities (MSEC_ZK_AUTH, `user:password[,…]`): the agent gives `svc-<Service>` and the reader. */
  zkAuth: readonly ZkIdentity[];
  /** NATS for telemetry (MSEC_NATS_URL). */
  natsUrl: string | undefined;
  /** This service's NATS .creds file (MSEC_NATS_CREDS); the agent writes it for the instances it starts. */
  natsCreds: string | undefined;
  /** CA of a TLS NATS server (MSEC_NATS_TLS_CA). */
  natsTlsCa: string | undefined;
  /** The config file a release put beside the package (MSEC_CONFIG_FILE); live config published later replaces it. */
  configFile: string | undefined;
  /** Folder for the route snapshot and log spool (MSEC_DATA_DIR, default .msec/data). */
  dataDir: string;
  hostName: string;
  /** Share of requests entering at this service that are traced (MSEC_TRACE_SAMPLE_RATE, 0–1, default 0.01). */
  traceSampleRate: number;
  /** Most requests this process starts tracing per second (MSEC_TRACE_MAX_PER_SECOND, default 100). */
  traceMaxPerSecond: number;
  /** An untraced call that took at least this long still stores its span (MSEC_TRACE_SLOW_MS, default 1000). */
  traceSlowMs: number;
  /** Log lines below WARN shipped per second outside traced or coloured requests (MSEC_LOG_MAX_LINES_PER_SECOND, default 1000, 0 = all). */
  logMaxLinesPerSecond: number;
  /** WARN and above shipped per second (MSEC_LOG_MAX_WARN_LINES_PER_SECOND, default 10000, 0 = all). */
  logMaxWarnLinesPerSecond: number;
}

/** Defaults of the tracing keys. */
export const TRACE_DEFAULTS = { sampleRate: 0.01, maxPerSecond: 100, slowMs: 1000 } as const;

/** A number from the environment within [min, max] (and whole when asked), or the default when unset. */
function numberKey(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number, whole: boolean): number {
  const text = env[key];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    const kind = whole ? 'a whole number' : 'a number';
    throw new Error(`${key}: must be ${kind} from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Reads the SDK's environment once; the only place the SDK looks at process.env. */
export function readSdkEnvironment(env: NodeJS.ProcessEnv = process.env): SdkEnvironment {
  const port = env.MSEC_PORT === undefined || env.MSEC_PORT === '' ? 0 : Number(env.MSEC_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`MSEC_PORT: must be a whole number from 0 to 65535; got ${JSON.stringify(env.MSEC_PORT)}`);
  }
  return {
    service: env.MSEC_SERVICE || undefined,
    host: env.MSEC_HOST || '127.0.0.1',
    port,
    zkConnect: env.MSEC_ZK_CONNECT || undefined,
    zkAuth: parseZkAuth(env.MSEC_ZK_AUTH ?? '', 'MSEC_ZK_AUTH'),
    natsUrl: env.MSEC_NATS_URL || undefined,
    natsCreds: env.MSEC_NATS_CREDS || undefined,
    natsTlsCa: env.MSEC_NATS_TLS_CA || undefined,
    configFile: env.MSEC_CONFIG_FILE || undefined,
    dataDir: env.MSEC_DATA_DIR || '.msec/data',
    hostName: env.MSEC_HOST_ID || hostname(),
    traceSampleRate: numberKey(env, 'MSEC_TRACE_SAMPLE_RATE', TRACE_DEFAULTS.sampleRate, 0, 1, false),
    traceMaxPerSecond: numberKey(env, 'MSEC_TRACE_MAX_PER_SECOND', TRACE_DEFAULTS.maxPerSecond, 0, 1_000_000, true),
    traceSlowMs: numberKey(env, 'MSEC_TRACE_SLOW_MS', TRACE_DEFAULTS.slowMs, 1, 3_600_000, false),
    logMaxLinesPerSecond: numberKey(env, 'MSEC_LOG_MAX_LINES_PER_SECOND', LINE_BUDGET_DEFAULTS.linesPerSecond, 0, 10_000_000, true),
    logMaxWarnLinesPerSecond: numberKey(
      env,
      'MSEC_LOG_MAX_WARN_LINES_PER_SECOND',
      LINE_BUDGET_DEFAULTS.warnLinesPerSecond,
      0,
      10_000_000,
      true,
    ),
  };
}

/** Connection options for the service's own NATS identity (MSEC_NATS_CREDS) and a TLS server's CA (MSEC_NATS_TLS_CA). */
export function sdkNatsCreds(env: SdkEnvironment): Partial<ConnectionOptions> {
  return {
    ...(env.natsCreds ? natsCredsOptions(env.natsCreds, 'MSEC_NATS_CREDS') : {}),
    ...(env.natsTlsCa ? { tls: { caFile: env.natsTlsCa } } : {}),
  };
}
