import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { NatsRole, type HealthReport } from '@msec/contracts';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { natsRequest } from '@msec/platform';

/** Health of one platform service, or why it could not be read. */
export type HealthResult = { ok: true; report: HealthReport } | { ok: false; reason: string };

/**
 * The CLI's NATS identity: `natsCreds` when set, else the admin creds the launcher generated in its home, else none
 * (a server without authentication).
 */
export function cliNatsOptions(config: LauncherConfig): Partial<ConnectionOptions> {
  if (config.natsCreds) return natsCredsOptions(config.natsCreds, 'natsCreds (MSEC_NATS_CREDS)');
  const admin = join(msecHome(config.homeDir).natsSecrets, `${NatsRole.admin}.creds`);
  return existsSync(admin) ? natsCredsOptions(admin, admin) : {};
}

/** Opens a short-lived NATS connection for health probes, as the CLI's identity. */
export function connectForProbes(natsUrl: string, config: LauncherConfig): Promise<NatsConnection> {
  return connect({ ...cliNatsOptions(config), servers: natsUrl.split(','), name: 'msec-cli', timeout: 2000, maxReconnectAttempts: 10 });
}

/** Asks one service's health subject. */
export async function probeHealth(nc: NatsConnection, subject: string, timeoutMs = 2000): Promise<HealthResult> {
  try {
    const report = await natsRequest<HealthReport>(nc, subject, {}, timeoutMs);
    if (report.ready) return { ok: true, report };
    const notReady = report.dependencies.filter((d) => !d.ok).map((d) => `${d.name}: ${d.detail ?? 'not ready'}`);
    return { ok: false, reason: notReady.join('; ') || 'not ready' };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Polls until every subject reports ready or the time is up; returns the ones still not ready with reasons. */
export async function waitForHealthy(
  nc: NatsConnection,
  subjects: Record<string, string>,
  timeoutMs: number,
): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let pending: Record<string, string> = { ...subjects };
  let reasons: Record<string, string> = {};
  while (Object.keys(pending).length > 0 && Date.now() < deadline) {
    const results = await Promise.all(
      Object.entries(pending).map(async ([name, subject]) => [name, subject, await probeHealth(nc, subject, 1500)] as const),
    );
    pending = {};
    reasons = {};
    for (const [name, subject, result] of results) {
      if (!result.ok) {
        pending[name] = subject;
        reasons[name] = result.reason;
      }
    }
    if (Object.keys(pending).length > 0) await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return reasons;
}

/** Health of a gateway over HTTP (`GET /api/v1/health`): a second gateway shares the first one's NATS subject. */
export async function probeHttpHealth(url: string, timeoutMs = 2000): Promise<HealthResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const report = (await response.json()) as HealthReport;
    if (report.ready) return { ok: true, report };
    const notReady = (report.dependencies ?? []).filter((d) => !d.ok).map((d) => `${d.name}: ${d.detail ?? 'not ready'}`);
    return { ok: false, reason: notReady.join('; ') || `not ready (HTTP ${response.status})` };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Polls `url` until it reports ready; returns undefined, or the last reason when the time is up. */
export async function waitForHttpHealthy(url: string, timeoutMs: number): Promise<string | undefined> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const result = await probeHttpHealth(url, 1500);
    if (result.ok) return undefined;
    if (Date.now() > deadline) return result.reason;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
