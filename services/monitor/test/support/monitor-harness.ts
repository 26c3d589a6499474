import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Component, NatsRole, Subjects } from '@msec/contracts';
import { MsecRpcErrorFilter, natsConnectionOptions, natsRequest } from '@msec/platform';
import { TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { loadMonitorConfig } from '../../src/config/monitor.config.js';
import { MonitorModule } from '../../src/monitor.module.js';

/** The built service entry point. */
export const MONITOR_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** A fresh data folder for one monitor process. */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}monitor-`));
}

/** Runs the monitor service in this process, as main.ts would, and waits until it answers its health subject. */
export async function startMonitorInProcess(
  nc: NatsConnection,
  nats: NatsTestServer,
  env: Record<string, string>,
): Promise<INestMicroservice> {
  const config = loadMonitorConfig({ ...(await nats.envFor(NatsRole.monitor)), ...env });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(MonitorModule.forConfig(config), {
    transport: Transport.NATS,
    options: { ...natsConnectionOptions(config), queue: 'msec-monitor' },
    logger: ['error'],
  });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  await app.listen();
  // listen() can resolve before NATS has the subscriptions.
  await eventually(() => natsRequest(nc, Subjects.health(Component.monitor), {}, 1000), 10_000, 'monitor answers');
  return app;
}

/** Starts `node services/monitor/dist/src/main.js` with env vars and waits until its health answers ready. */
export async function spawnMonitor(
  nc: NatsConnection,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [MONITOR_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`monitor exited with ${child.exitCode}:\n${output}`);
    try {
      const health = await natsRequest<{ ready: boolean; pid: number }>(nc, Subjects.health(Component.monitor), {}, 1000);
      if (health.ready && health.pid === child.pid) return { child, output: () => output };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`monitor did not become ready:\n${output}`);
}

/** Waits until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
