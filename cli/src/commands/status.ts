import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { pidAlive, readRunState, type ComponentState } from '../launcher/run-state.js';
import { readRedisPassword } from '../launcher/zk-redis-secrets.js';
import { cliNatsOptions, connectForProbes, probeHealth, probeHttpHealth } from '../launcher/health-probe.js';
import { green, red, say, bold } from '../output.js';
import { isPortTaken, redisPongs, tcpConnects, zooKeeperIsOk } from '@msec/infra';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, type HostView, type InstanceReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';

/** The hosts as the deploy service sees them (empty when it cannot be asked). */
async function knownHosts(nc: NatsConnection | undefined): Promise<HostView[]> {
  return nc ? await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {}, 3000).catch(() => []) : [];
}

/** Demo instances as their agents last reported them (agents restart them, so pids change), by `host/service`. */
function agentInstances(hosts: HostView[]): Map<string, InstanceReport> {
  return new Map(hosts.filter((h) => h.status === 'up').flatMap((h) => h.instances.map((i) => [`${h.hostId}/${i.name}`, i] as const)));
}

/** Whether a demo instance listens: on loopback by binding the port, on a cluster host by connecting to it. */
async function listens(component: ComponentState): Promise<boolean> {
  if (component.port === undefined) return false;
  return component.ip && component.ip !== '127.0.0.1' ? tcpConnects(component.ip, component.port) : isPortTaken(component.port);
}

async function infraHealthy(name: string, url: string, config: LauncherConfig, redisPassword: string | undefined): Promise<boolean> {
  try {
    if (name === 'nats') {
      const nc = await connect({ ...cliNatsOptions(config), servers: url, timeout: 1500, reconnect: false });
      await nc.close();
      return true;
    }
    const { hostname, port } = new URL(name === 'zookeeper' ? `tcp://${url}` : url);
    return name === 'zookeeper' ? await zooKeeperIsOk(hostname, Number(port)) : await redisPongs(hostname, Number(port), redisPassword);
  } catch {
    return false;
  }
}

/** `msec status`: each component with pid, port and health; exit code 1 when anything is unhealthy. */
export async function status(config: LauncherConfig): Promise<number> {
  const state = readRunState(msecHome(config.homeDir).stateFile);
  if (!state || !pidAlive(state.launcherPid)) {
    say('msec is not running (start it with ./msec up)');
    return 3;
  }
  say(`${bold('console')} ${state.consoleUrl}   launcher pid ${state.launcherPid}, up since ${state.startedAt}`);
  say(`${'COMPONENT'.padEnd(18)} ${'PID'.padEnd(8)} ${'PORT'.padEnd(6)} ${'RESTARTS'.padEnd(8)} HEALTH`);
  const nc = await connectForProbes(state.natsUrl, config).catch(() => undefined);
  let unhealthy = 0;
  const hosts = state.components.some((c) => c.kind === 'example' || c.kind === 'host') ? await knownHosts(nc) : [];
  const instances = agentInstances(hosts);
  const localHost = state.components.find((c) => c.name === 'agent') ? 'the local agent' : undefined;
  for (const component of state.components) {
    let health: string;
    // A state file of an earlier launcher has no host on its demo instances: they ran on the only host.
    const hostKey = component.hostId ?? hosts.find((h) => h.instances.some((i) => i.name === component.service))?.hostId;
    const instance = component.service ? instances.get(`${hostKey}/${component.service}`) : undefined;
    const where = component.hostId ?? localHost ?? 'its host';
    if (instance) Object.assign(component, { pid: instance.pid ?? -1, port: instance.port, restarts: instance.restarts });
    if (component.kind === 'example' && component.service && !instance) health = red(`not running on ${where}`);
    else if (component.kind === 'example' && instance && instance.status !== 'running') health = red(`${instance.status} on ${where}`);
    else if (!pidAlive(component.pid)) health = red('down (process not running)');
    else if (component.kind === 'example') health = (await listens(component)) ? green('healthy') : red('not listening');
    else if (component.kind === 'infra')
      health = (await infraHealthy(component.server ?? component.name, component.url ?? '', config, readRedisPassword(config.homeDir)))
        ? green('healthy')
        : red('not answering');
    else if (component.kind === 'host') {
      const host = hosts.find((h) => h.hostId === component.hostId);
      health =
        host?.status === 'up'
          ? green(`healthy (${component.ip}, ${host.instances.length} instances)`)
          : red(`host ${host?.status ?? 'unknown to deploy'}`);
    } else if (component.healthUrl) {
      const result = await probeHttpHealth(component.healthUrl);
      health = result.ok ? green('healthy') : red(`unhealthy: ${result.reason}`);
    } else if (!nc) health = red('unknown (NATS unreachable)');
    else {
      const result = await probeHealth(nc, component.healthSubject ?? '');
      health = result.ok ? green('healthy') : red(`unhealthy: ${result.reason}`);
    }
    if (!health.includes('healthy') || health.includes('unhealthy')) unhealthy += 1;
    say(
      `${component.name.padEnd(18)} ${String(component.pid).padEnd(8)} ${String(component.port ?? '-').padEnd(6)} ${String(component.restarts).padEnd(8)} ${health}`,
    );
  }
  await nc?.close();
  return unhealthy === 0 ? 0 : 1;
}
