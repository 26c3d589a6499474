import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Cluster } from 'ioredis';
import { Component, KvSubjects, Subjects, type HealthReport, type KvOperationStarted, type KvOperationView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';

/** kv-admin's entry point (dist/src/main.js), from dist/test/helpers. */
export const KV_MAIN = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'main.js');

/** Polls until probe returns a value. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (${String(lastError)})`);
}

/** kv-admin as a child process: started from env vars only, killable with SIGKILL, output kept for failures. */
export class KvAdminProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  /** Spawns kv-admin and waits until its health subject reports ready. */
  async start(nc: NatsConnection): Promise<void> {
    const child = spawn(process.execPath, [KV_MAIN], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // KV_TEST_VERBOSE=1 shows kv-admin's log while a test runs; otherwise it is kept for failure messages.
    const keep = (d: Buffer): void => {
      this.output += d.toString();
      if (process.env.KV_TEST_VERBOSE === '1') process.stderr.write(d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    await eventually(
      'kv-admin health',
      async () => {
        if (child.exitCode !== null) throw new Error(`kv-admin exited ${child.exitCode}: ${this.output}`);
        const report = await natsRequest<HealthReport>(nc, Subjects.health(Component.kvAdmin), {}, 1000);
        return report.ready ? report : undefined;
      },
      20_000,
    );
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (graceful), and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

/** Waits until an operation finished; fails with its error when it failed. */
export async function waitOperation(nc: NatsConnection, started: KvOperationStarted, timeoutMs = 60_000): Promise<KvOperationView> {
  const op = await eventually(
    `operation ${started.operation.kind}`,
    async () => {
      const view = await natsRequest<KvOperationView>(nc, KvSubjects.operationsGet, { operationId: started.operation.id }, 2000);
      return view.status === 'succeeded' || view.status === 'failed' ? view : undefined;
    },
    timeoutMs,
  );
  if (op.status !== 'succeeded') throw new Error(`operation ${op.kind} failed at ${op.step}: ${op.error}`);
  return op;
}

/**
 * A cluster-aware client that follows MOVED/ASK. With autoPipelining it batches per node, which is fast on a stable
 * topology; ioredis then surfaces redirects of a mixed batch as errors, so code running during slot moves uses a
 * client without it.
 */
export function clusterClient(seeds: string[], autoPipelining: boolean, password?: string): Cluster {
  return new Cluster(
    seeds.map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) })),
    {
      enableAutoPipelining: autoPipelining,
      maxRedirections: 64,
      retryDelayOnMoved: 0,
      retryDelayOnTryAgain: 50,
      redisOptions: { maxRetriesPerRequest: 5, password },
    },
  );
}

/** True for the redirect replies a cluster client is expected to handle. */
export function isRedirect(error: Error): boolean {
  return /^(MOVED|ASK) \d+ /.test(error.message);
}

/** Writes key `<prefix><i>` = `v<i>` for i in [0, count), pipelined in chunks. */
export async function writeKeys(client: Cluster, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5000) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 5000); i += 1) batch.push(client.set(`${prefix}${i}`, `v${i}`));
    await Promise.all(batch);
  }
}

/** Keys of [0, count) that are missing or wrong, read through a fresh pipelining client (its slot map is current). */
export async function missingKeys(seeds: string[], prefix: string, count: number, password?: string): Promise<string[]> {
  const client = clusterClient(seeds, true, password);
  const missing: string[] = [];
  try {
    for (let start = 0; start < count; start += 5000) {
      const keys: string[] = [];
      for (let i = start; i < Math.min(count, start + 5000); i += 1) keys.push(`${prefix}${i}`);
      const values = await Promise.all(keys.map((k) => client.get(k)));
      values.forEach((v, j) => {
        if (v !== `v${start + j}`) missing.push(keys[j]!);
      });
    }
  } finally {
    client.disconnect();
  }
  return missing;
}

/** A writer that keeps setting fresh keys until stopped; redirects its client passes up are retried and counted, anything else is an error. */
export class Writer {
  written = 0;
  redirects = 0;
  errors: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: Cluster,
    private readonly prefix: string,
  ) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const batch: Promise<unknown>[] = [];
        for (let i = 0; i < 50; i += 1) {
          const n = this.written + i;
          batch.push(this.set(`${this.prefix}${n}`, `v${n}`));
        }
        await Promise.all(batch);
        this.written += 50;
        // A steady client load rather than a CPU hog on a 2-core test machine.
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
  }

  private async set(key: string, value: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      try {
        await this.client.set(key, value);
        return;
      } catch (error) {
        if (!(error instanceof Error) || !isRedirect(error)) {
          this.errors.push(error instanceof Error ? error.message : String(error));
          return;
        }
        this.redirects += 1;
      }
    }
    this.errors.push(`${key}: still redirected after 10 attempts`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
