import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { RpcStatSide, traceSamplingFor, type SpanRecord } from '@msec/contracts';
import { readSdkEnvironment, sdkNatsCreds, TRACE_DEFAULTS } from '../config/sdk-env.js';
import { createLogger, createSpanReporter, LogLineCounters, type MsecLogger, type SpanReporter } from '../log/index.js';
import { MonitorReporter, RpcCallStats, type SetMode } from '../monitor/index.js';
import { TraceSampler } from './trace-sampler.js';
import { TraceSamplingWatcher } from './trace-sampling-watcher.js';
import { liveConfig } from '../config/live-config.js';
import { BreakerCounters } from '../client/breaker-counters.js';
import { existingSharedRuntime } from '../runtime/shared-runtime.js';

/** Reports made before NATS is connected are held here, up to this many, then dropped and counted. */
const MAX_EARLY_REPORTS = 10_000;

type EarlyReport = { kind: 'add'; attr: string; n: number } | { kind: 'set'; attr: string; value: number; mode: SetMode };

/**
 * The process's telemetry: connects to NATS in the background when MSEC_NATS_URL and MSEC_SERVICE are set, and
 * until then keeps a bounded queue. Nothing here blocks, throws into, or fails a business call.
 */
class TelemetryHub {
  /** RPC statistics of the calls this process makes (caller side) and serves (callee side); undefined when telemetry is off. */
  callerStats: RpcCallStats | undefined;
  calleeStats: RpcCallStats | undefined;
  /** Decides whether requests entering this process are traced. */
  readonly sampler = new TraceSampler({ rate: TRACE_DEFAULTS.sampleRate, maxPerSecond: TRACE_DEFAULTS.maxPerSecond });
  /** An untraced served call at least this slow still stores its span. */
  slowMs: number = TRACE_DEFAULTS.slowMs;
  private configured = false;
  private reporter: MonitorReporter | undefined;
  /** The service's logger and span reporter, once NATS is connected. */
  logger: MsecLogger | undefined;
  private spans: SpanReporter | undefined;
  private samplingWatcher: TraceSamplingWatcher | undefined;
  private nc: NatsConnection | undefined;
  private starting: Promise<void> | undefined;
  private early: EarlyReport[] = [];
  private earlyDropped = 0;
  private disabled = false;

  /** Sums n into attr for this minute. */
  add(attr: string, n: number): void {
    if (this.reporter) this.reporter.add(attr, n);
    else this.hold({ kind: 'add', attr, n });
  }

  /** Keeps value for attr this minute (last, max, min or avg). */
  set(attr: string, value: number, mode: SetMode): void {
    if (this.reporter) this.reporter.set(attr, value, mode);
    else this.hold({ kind: 'set', attr, value, mode });
  }

  /**
   * Reads the environment once: with NATS and a service name, RPC statistics of both sides are kept and the
   * sampler takes the configured rate and cap. Synchronous, so the first call is already counted.
   */
  configure(): void {
    if (this.configured) return;
    this.configured = true;
    const env = readSdkEnvironment();
    this.sampler.update(env.traceSampleRate, env.traceMaxPerSecond);
    this.slowMs = env.traceSlowMs;
    if (env.natsUrl && env.service) {
      this.callerStats = new RpcCallStats(RpcStatSide.caller);
      this.calleeStats = new RpcCallStats(RpcStatSide.callee);
      void this.start();
    }
  }

  /** The NATS connection, once connected (undefined without NATS). */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** Sends one span of a served call to the log service. */
  reportSpan(span: SpanRecord | undefined): void {
    if (span) this.spans?.report(span);
  }

  /** Connects (when configured) so the logger exists before the first request is served. */
  ready(): Promise<void> {
    return this.start();
  }

  /** Publishes what is aggregated now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.start();
    await Promise.all([this.reporter?.flush(), this.logger?.flush(), this.spans?.flush()]);
  }

  /** Flushes and closes the reporter and its connection. */
  async close(): Promise<void> {
    const reporter = this.reporter;
    this.reporter = undefined;
    this.starting = undefined;
    await reporter?.close().catch(() => undefined);
    await this.samplingWatcher?.stop().catch(() => undefined);
    this.samplingWatcher = undefined;
    await liveConfig().stop();
    await this.logger?.close().catch(() => undefined);
    await this.spans?.flush().catch(() => undefined);
    this.logger = undefined;
    this.spans = undefined;
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
    this.configured = false;
    this.callerStats = this.calleeStats = undefined;
  }

  private hold(report: EarlyReport): void {
    if (this.disabled) return;
    void this.start();
    if (this.early.length >= MAX_EARLY_REPORTS) this.earlyDropped += 1;
    else this.early.push(report);
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const env = readSdkEnvironment();
      if (!env.natsUrl || !env.service) {
        // Without NATS or a service name there is nowhere to report to: reports are discarded, calls go on.
        this.disabled = true;
        this.early = [];
        return;
      }
      try {
        this.nc = await connect({
          ...sdkNatsCreds(env),
          servers: env.natsUrl.split(','),
          name: `msec-sdk-${env.service}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
        });
        // A stable instance name (host:port) lets a restarted process re-send what its predecessor spooled.
        const instance = `${env.host}:${env.port}`;
        const spoolDir = join(env.dataDir, 'spool');
        this.configure();
        const logger = createLogger({
          nc: this.nc,
          service: env.service,
          host: env.hostName,
          instance,
          spoolDir,
          maxLinesPerSecond: env.logMaxLinesPerSecond,
          maxWarnLinesPerSecond: env.logMaxWarnLinesPerSecond,
        });
        this.logger = logger;
        // Lines the budget kept back or the buffer lost are counted per minute in Monitoring, beside the calls.
        const lineLosses = new LogLineCounters(() => logger.takeLosses());
        // The caller's circuit breakers: state, openings and refusals per callee method, for the callee's console page.
        const breakers = new BreakerCounters(() => existingSharedRuntime()?.breakers.report() ?? []);
        const sources = [this.callerStats, this.calleeStats, lineLosses, breakers].filter((source) => source !== undefined);
        this.reporter = new MonitorReporter({ nc: this.nc, service: env.service, host: env.hostName, instance, sources });
        this.spans = createSpanReporter({ nc: this.nc, service: env.service, spoolDir });
        // Sampling set in the console for this service overrides the environment's; deleting it restores them.
        const service = env.service;
        this.samplingWatcher = new TraceSamplingWatcher(this.nc, (text) => {
          const set = text === undefined ? undefined : traceSamplingFor(text, service);
          this.sampler.update(set?.rate ?? env.traceSampleRate, set?.maxPerSecond ?? env.traceMaxPerSecond);
        });
        // The config published live for this service, read before the first request is served.
        await liveConfig().follow(this.nc);
        for (const report of this.early) {
          if (report.kind === 'add') this.reporter.add(report.attr, report.n);
          else this.reporter.set(report.attr, report.value, report.mode);
        }
        this.early = [];
      } catch {
        // NATS unreachable at start: try again on the next report.
        this.starting = undefined;
      }
    })();
    return this.starting;
  }
}

const hub = new TelemetryHub();

/** Business monitoring, as in MSEC: `monitor.add('login_fail', 1)`, `monitor.set('queue_len', n, 'max')`. */
export const monitor = {
  /** Sums n into attr for the current minute. */
  add: (attr: string, n = 1): void => hub.add(attr, n),
  /** Keeps a value for the minute: the last one, or the max, min or average of the minute. */
  set: (attr: string, value: number, mode: SetMode = 'last'): void => hub.set(attr, value, mode),
  /** Publishes what is aggregated now. */
  flush: (): Promise<void> => hub.flush(),
} as const;

/**
 * The service's own log lines outside a request (start-up, a configuration change), shipped to the log service like
 * request lines; before NATS is connected (or without it) they go to stderr.
 */
export const log = {
  debug: (message: string, fields?: Record<string, unknown>): void => processLine('DEBUG', message, fields),
  info: (message: string, fields?: Record<string, unknown>): void => processLine('INFO', message, fields),
  warn: (message: string, fields?: Record<string, unknown>): void => processLine('WARN', message, fields),
  error: (message: string, fields?: Record<string, unknown>): void => processLine('ERROR', message, fields),
} as const;

function processLine(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', message: string, fields?: Record<string, unknown>): void {
  if (hub.logger) hub.logger.log(level, message, fields);
  else if (level !== 'DEBUG') process.stderr.write(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
}

/** The hub itself, for serve(): logger, spans, readiness. */
export function telemetryHub(): TelemetryHub {
  return hub;
}

/** The caller-side statistics of this process, or undefined when telemetry is off (no NATS or no service name). */
export function callerStats(): RpcCallStats | undefined {
  hub.configure();
  return hub.callerStats;
}

/** Flushes and stops telemetry (end of process). */
export function closeTelemetry(): Promise<void> {
  return hub.close();
}
