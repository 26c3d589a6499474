import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { RegistrySubjects, type ServiceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort } from '@msec/testing';
import { REPO_ROOT, type MsecHome } from '../paths.js';
import type { InfraAddresses } from './component-catalog.js';

/** The demo service as registered. */
export const FLIGHT_SERVICE = 'Flight.mod_flight';
/** The module Flight.mod_flight asks to check passwords. */
export const USER_SERVICE = 'User.mod_user';

/** One demo instance to run. */
export interface FlightLaunch {
  name: string;
  service: string;
  port: number;
  entry: string;
  env: NodeJS.ProcessEnv;
}

/** The demo's modules: how many instances of each, and the built entry each runs. */
function demoModules(flightCount: number): Array<{ service: string; prefix: string; count: number; entry: string }> {
  const dist = join(REPO_ROOT, 'examples', 'flight', 'dist', 'src');
  return [
    { service: USER_SERVICE, prefix: 'user', count: 1, entry: join(dist, 'user-main.js') },
    { service: FLIGHT_SERVICE, prefix: 'flight', count: flightCount, entry: join(dist, 'main.js') },
  ];
}

/** Picks ports for the demo's instances: the ones registered last time when there are enough, else free ones. */
export async function planFlightInstances(nc: NatsConnection, home: MsecHome, infra: InfraAddresses, count: number): Promise<FlightLaunch[]> {
  const launches: FlightLaunch[] = [];
  const taken = new Set<number>();
  for (const module of demoModules(count)) {
    const existing = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: module.service }, 10_000).catch(() => undefined);
    const ports = (existing?.instances ?? []).map((i) => i.port).filter((p) => !taken.has(p)).slice(0, module.count);
    while (ports.length < module.count) {
      const port = await freePort();
      if (!ports.includes(port) && !taken.has(port)) ports.push(port);
    }
    ports.forEach((port, index) => {
      taken.add(port);
      launches.push({
        name: `${module.prefix}-${index + 1}`,
        service: module.service,
        port,
        entry: module.entry,
        env: { ...process.env, MSEC_SERVICE: module.service, MSEC_PORT: String(port), MSEC_ZK_CONNECT: infra.zkConnect, MSEC_NATS_URL: infra.natsUrl, MSEC_DATA_DIR: home.data },
      });
    });
  }
  return launches;
}

/** Registers the demo's services (once) and scales their instances out so callers route to them. */
export async function registerFlightDemo(nc: NatsConnection, launches: FlightLaunch[]): Promise<void> {
  for (const service of [USER_SERVICE, FLIGHT_SERVICE]) {
    const memo = service === FLIGHT_SERVICE ? 'flight query demo (examples/flight)' : 'password check for the flight demo (examples/flight)';
    await natsRequest(nc, RegistrySubjects.serviceCreate, { name: service, memo }, 10_000).catch((error: unknown) => {
      if (!(error instanceof Error && error.message.includes('already exists'))) throw error;
    });
    const instances = launches.filter((l) => l.service === service).map((l) => `127.0.0.1:${l.port}`);
    if (instances.length > 0) await natsRequest(nc, RegistrySubjects.scaleOut, { service, instances }, 10_000);
  }
}
