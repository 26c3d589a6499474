import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { RegistrySubjects, type ServiceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort } from '@msec/testing';
import { REPO_ROOT, type MsecHome } from '../paths.js';
import type { InfraAddresses } from './component-catalog.js';

/** The demo service as registered. */
export const FLIGHT_SERVICE = 'Flight.mod_flight';

/** One flight instance to run. */
export interface FlightLaunch {
  name: string;
  port: number;
  entry: string;
  env: NodeJS.ProcessEnv;
}

/** Picks ports for the demo's instances: the ones registered last time when there are enough, else free ones. */
export async function planFlightInstances(nc: NatsConnection, home: MsecHome, infra: InfraAddresses, count: number): Promise<FlightLaunch[]> {
  const existing = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: FLIGHT_SERVICE }, 10_000).catch(() => undefined);
  const ports = (existing?.instances ?? []).map((i) => i.port).slice(0, count);
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports.map((port, index) => ({
    name: `flight-${index + 1}`,
    port,
    entry: join(REPO_ROOT, 'examples', 'flight', 'dist', 'src', 'main.js'),
    env: { ...process.env, MSEC_SERVICE: FLIGHT_SERVICE, MSEC_PORT: String(port), MSEC_ZK_CONNECT: infra.zkConnect, MSEC_NATS_URL: infra.natsUrl, MSEC_DATA_DIR: home.data },
  }));
}

/** Registers Flight.mod_flight (once) and scales its instances out so callers route to them. */
export async function registerFlightDemo(nc: NatsConnection, launches: FlightLaunch[]): Promise<void> {
  await natsRequest(nc, RegistrySubjects.serviceCreate, { name: FLIGHT_SERVICE, memo: 'flight query demo (examples/flight)' }, 10_000).catch((error: unknown) => {
    if (!(error instanceof Error && error.message.includes('already exists'))) throw error;
  });
  await natsRequest(nc, RegistrySubjects.scaleOut, { service: FLIGHT_SERVICE, instances: launches.map((l) => `127.0.0.1:${l.port}`) }, 10_000);
}
