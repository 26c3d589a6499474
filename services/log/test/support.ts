import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Component, LogSubjects, NatsRole, Subjects, type LogPage, type LogQuery } from '@msec/contracts';
import { MsecRpcErrorFilter, natsConnectionOptions, natsRequest } from '@msec/platform';
import type { NatsTestServer } from '@msec/testing';
import { loadLogConfig } from '../src/config/log.config.js';
import { LogModule } from '../src/log.module.js';

/** A running log service (in process) and a client connection to talk to it. */
export interface LogHarness {
  app: INestMicroservice;
  nc: NatsConnection;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the log service on `nats` (as the log identity) with SQLite in a temp folder, or MariaDB when dbUrl is given. */
export async function startLogService(nats: NatsTestServer, dbUrl = '', env: Record<string, string> = {}): Promise<LogHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'msec-test-log-'));
  const config = loadLogConfig({ ...(await nats.envFor(NatsRole.log)), MSEC_DB_URL: dbUrl, MSEC_DATA_DIR: dataDir, ...env });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(LogModule.forConfig(config), {
    transport: Transport.NATS,
    options: { ...natsConnectionOptions(config), queue: 'msec-log', maxReconnectAttempts: -1, reconnectTimeWait: 250 },
    logger: ['error', 'warn'],
  });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  await app.listen();
  const nc = await connectClient(nats);
  // listen() can resolve before NATS has the subscriptions: wait until the service answers.
  for (let i = 0; i < 100; i += 1) {
    if (
      await natsRequest(nc, Subjects.health(Component.log), {}, 1000).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    app,
    nc,
    dataDir,
    close: async () => {
      await nc.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A client connection that reconnects forever, as services create them. */
export function connectClient(nats: NatsTestServer): Promise<NatsConnection> {
  return nats.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}

/** One search page. */
export function search(nc: NatsConnection, query: LogQuery): Promise<LogPage> {
  return natsRequest<LogPage>(nc, LogSubjects.query, query, 10_000);
}

/** Every line matching the query, following cursors. */
export async function searchAll(nc: NatsConnection, query: LogQuery): Promise<LogPage['lines']> {
  const lines: LogPage['lines'] = [];
  let cursor: string | undefined;
  do {
    const page = await search(nc, { ...query, limit: query.limit ?? 1000, ...(cursor ? { cursor } : {}) });
    lines.push(...page.lines);
    cursor = page.nextCursor;
  } while (cursor);
  return lines;
}

/** Polls until `check` is truthy or the time is up. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
