import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LIVE_CONFIG_BUCKET, liveConfigKey, parseLiveConfigValue, type LiveConfigValue } from '@msec/contracts';
import { KvKeyWatcher } from '../runtime/kv-key-watcher.js';
import { readConfigValues } from './config-text.js';
import { readSdkEnvironment } from './sdk-env.js';

/** Which config version a process is reading, and where it came from. */
export interface ConfigVersionInfo {
  tag: string;
  /** The version's sequence number among the service's versions (0 for a release's file, whose number is not known). */
  seq: number;
  /** When it was published live (0 for a release's file). */
  publishedAt: number;
  publishedBy: string;
  /**
   * `live`: published in the console and received now; `disk`: the last live version received, kept on disk for a
   * start while NATS or the console is away; `file`: the config file the release put beside the package.
   */
  source: 'live' | 'disk' | 'file';
}

/** Told the new and previous value of a watched name. */
export type ConfigValueListener = (value: unknown, previous: unknown) => void;

interface LoadedConfig {
  info: ConfigVersionInfo;
  text: string;
  values: Map<string, unknown>;
}

/** How long serve() waits for the live version at start before serving with what the disk or the release gave. */
const FIRST_VALUE_WAIT_MS = 2000;

/**
 * The service's configuration as the console last published it: read once from disk (or the release's file) at the
 * first use, then followed live from NATS while the process runs; every version received is kept on disk.
 */
export class LiveConfig {
  private loaded = false;
  private current: LoadedConfig | undefined;
  private readonly valueListeners = new Map<string, Set<ConfigValueListener>>();
  private readonly versionListeners = new Set<(info: ConfigVersionInfo) => void>();
  private watcher: KvKeyWatcher | undefined;
  private cacheFile: string | undefined;

  /** A value by name (`timeout`, `db.host`), or undefined when the config has none (or there is no config). */
  get<T = unknown>(name: string): T | undefined {
    this.load();
    return this.current?.values.get(name) as T | undefined;
  }

  /** The whole config file, or undefined when there is none. */
  text(): string | undefined {
    this.load();
    return this.current?.text;
  }

  /** The version being read, or undefined when there is none. */
  version(): ConfigVersionInfo | undefined {
    this.load();
    return this.current === undefined ? undefined : { ...this.current.info };
  }

  /** Calls `listener` whenever the value of `name` changes (not for the current one); returns the way to stop. */
  watch(name: string, listener: ConfigValueListener): () => void {
    this.load();
    const set = this.valueListeners.get(name) ?? new Set<ConfigValueListener>();
    set.add(listener);
    this.valueListeners.set(name, set);
    return () => set.delete(listener);
  }

  /** Calls `listener` for every new version received; returns the way to stop. */
  onVersion(listener: (info: ConfigVersionInfo) => void): () => void {
    this.versionListeners.add(listener);
    return () => this.versionListeners.delete(listener);
  }

  /**
   * Follows the service's live config on `nc`; resolves once the version published now is read (or after a short
   * wait when NATS does not answer), so a service starts with it.
   */
  async follow(nc: NatsConnection): Promise<void> {
    const env = readSdkEnvironment();
    if (!env.service || this.watcher !== undefined) return;
    this.load();
    const key = liveConfigKey(env.service);
    const first = (async () => {
      // Buckets are made with direct gets on: a get names the key, which is all a service may read.
      const kv = await new Kvm(nc).open(LIVE_CONFIG_BUCKET, { allow_direct: true });
      const entry = await kv.get(key);
      if (entry !== null && entry.operation === 'PUT') this.receive(entry.string());
    })().catch(() => undefined);
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, FIRST_VALUE_WAIT_MS).unref())]);
    this.watcher = new KvKeyWatcher(nc, LIVE_CONFIG_BUCKET, key, (text) => {
      if (text !== undefined) this.receive(text);
    });
  }

  /** Stops following (end of process or tests); what was read stays readable. */
  async stop(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.stop();
  }

  /** Forgets everything (tests start over). */
  reset(): void {
    this.loaded = false;
    this.current = undefined;
    this.cacheFile = undefined;
    this.valueListeners.clear();
    this.versionListeners.clear();
  }

  private receive(text: string): void {
    const value = parseLiveConfigValue(text);
    const env = readSdkEnvironment();
    if (value === undefined || value.service !== env.service) {
      process.emitWarning(`ignoring a live config that is not a config version of ${env.service ?? 'this service'}`);
      return;
    }
    const current = this.current;
    if (current?.info.source === 'live' && current.info.seq === value.seq && current.text === value.content) return;
    this.keepOnDisk(value);
    this.apply(value.content, {
      tag: value.tag,
      seq: value.seq,
      publishedAt: value.publishedAt,
      publishedBy: value.publishedBy,
      source: 'live',
    });
  }

  /** Reads, once, the last live version kept on disk, else the release's config file (MSEC_CONFIG_FILE). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const env = readSdkEnvironment();
    if (env.service) this.cacheFile = join(env.dataDir, 'config', `${env.service}.json`);
    const kept = this.cacheFile === undefined ? undefined : readText(this.cacheFile);
    const value = kept === undefined ? undefined : parseLiveConfigValue(kept);
    if (value !== undefined && value.service === env.service) {
      this.apply(value.content, {
        tag: value.tag,
        seq: value.seq,
        publishedAt: value.publishedAt,
        publishedBy: value.publishedBy,
        source: 'disk',
      });
      return;
    }
    const file = env.configFile;
    const text = file ? readText(file) : undefined;
    if (file && text !== undefined) {
      this.apply(text, { tag: basename(file).replace(/\.[^.]*$/, ''), seq: 0, publishedAt: 0, publishedBy: '', source: 'file' });
    }
  }

  private apply(text: string, info: ConfigVersionInfo): void {
    const previous = this.current;
    const values = readConfigValues(text);
    this.current = { info, text, values };
    for (const [name, listeners] of this.valueListeners) {
      const before = previous?.values.get(name);
      const after = values.get(name);
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      for (const listener of [...listeners]) notify(() => listener(after, before));
    }
    if (info.source === 'live') for (const listener of [...this.versionListeners]) notify(() => listener({ ...info }));
  }

  /** Written whole and renamed into place, so a crash mid-write leaves the previous version. */
  private keepOnDisk(value: LiveConfigValue): void {
    if (this.cacheFile === undefined) return;
    try {
      mkdirSync(dirname(this.cacheFile), { recursive: true });
      const part = `${this.cacheFile}.${process.pid}.part`;
      writeFileSync(part, JSON.stringify(value), { mode: 0o600 });
      renameSync(part, this.cacheFile);
    } catch (error) {
      process.emitWarning(`live config not kept on disk (${this.cacheFile}): ${(error as Error).message}`);
    }
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A listener that throws is reported; the others still run. */
function notify(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.emitWarning(`a config listener failed: ${(error as Error).message}`);
  }
}

const live = new LiveConfig();

/** The process's live config, for the telemetry hub that connects it. */
export function liveConfig(): LiveConfig {
  return live;
}

/**
 * The service's configuration, published in the console (`./msec config publish`) and read live:
 * `config.get('timeout')`, `config.watch('timeout', (value, previous) => …)`.
 */
export const config = {
  get: <T = unknown>(name: string): T | undefined => live.get<T>(name),
  text: (): string | undefined => live.text(),
  version: (): ConfigVersionInfo | undefined => live.version(),
  watch: (name: string, listener: ConfigValueListener): (() => void) => live.watch(name, listener),
  onVersion: (listener: (info: ConfigVersionInfo) => void): (() => void) => live.onVersion(listener),
} as const;
