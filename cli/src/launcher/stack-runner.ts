import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import { freePort, isPortTaken, type InfraServer, type NetnsHosts } from '@msec/infra';
import type { LauncherConfig } from '../launcher-config.js';
import { bold, dim, green, processPrefix, red, say } from '../output.js';
import { REPO_ROOT, msecHome, type MsecHome } from '../paths.js';
import { localHostId, platformLaunches } from './component-catalog.js';
import {
  CLUSTER_SIZE,
  CLUSTER_STREAM_REPLICAS,
  checkClusterProfile,
  launchClusterInfra,
  prepareClusterHosts,
  startClusterNetwork,
} from './cluster-profile.js';
import { releaseFlightDemo } from './flight-demo.js';
import { connectForProbes, waitForHealthy, waitForHttpHealthy } from './health-probe.js';
import { launchInfra, stopInfra } from './infra-launcher.js';
import { ensureInstalled, Requirements, type Requirement } from './provision.js';
import { clearRunState, pidAlive, readRunState, writeRunState, type ComponentState, type RunState } from './run-state.js';
import { SupervisedProcess } from './supervised-process.js';
import { loadZkRedisSecrets, withoutPassword } from './zk-redis-secrets.js';

/** How long services get to report healthy after start. */
const HEALTHY_TIMEOUT_MS = 90_000;

/** Refuses to start a second stack in the same home, or on a console port someone else holds. */
async function checkPreconditions(config: LauncherConfig, home: MsecHome): Promise<void> {
  const existing = readRunState(home.stateFile);
  if (existing && pidAlive(existing.launcherPid)) {
    throw new MsecError(
      'LAUNCHER_ALREADY_RUNNING',
      `msec is already running (launcher pid ${existing.launcherPid}, console ${existing.consoleUrl}); stop it with ./msec down`,
      {
        status: 409,
      },
    );
  }
  if (await isPortTaken(config.httpPort, config.httpHost)) {
    throw new MsecError(
      'INFRA_PORT_TAKEN',
      `console port ${config.httpHost}:${config.httpPort} is already in use; stop what holds it or choose another with MSEC_HTTP_PORT or "httpPort" in msec.config.json`,
      { status: 409, data: { field: 'httpPort', port: config.httpPort } },
    );
  }
}

/** `./msec up` runs one of each server and a local agent; `--cluster` three of each and three hosts in namespaces. */
export type StackProfile = 'single' | 'cluster';

function requirementsFor(config: LauncherConfig): Requirement[] {
  const needed: Requirement[] = [];
  if (!config.natsUrl) needed.push(Requirements.nats);
  if (!config.zkConnect) needed.push(Requirements.zookeeper);
  if (!config.redisUrl) needed.push(Requirements.redis);
  return needed;
}

function printSummary(state: RunState, home: MsecHome, unhealthy: Record<string, string>): void {
  say();
  say(bold('MSEC-TS is up'));
  say(`  console      ${bold(state.consoleUrl)}`);
  const passwordFile = join(home.data, 'initial-admin-password');
  // The password goes to a terminal only: `up -d` and redirected output write this summary to a log file.
  if (existsSync(passwordFile))
    say(
      process.stdout.isTTY
        ? `  admin login  admin / ${bold(readFileSync(passwordFile, 'utf8').trim())}  ${dim('(one-time password; change it after logging in)')}`
        : `  admin login  admin, one-time password in ${passwordFile} (mode 0600; change it after logging in)`,
    );
  if (state.network) say(`  cluster      ${state.network.hosts} hosts in network namespaces, every stream on 3 NATS servers`);
  say(`  NATS         ${state.natsUrl}`);
  say(`  ZooKeeper    ${state.zkConnect}`);
  say(`  Redis        ${state.redisUrl}`);
  say();
  for (const component of state.components) {
    const health = unhealthy[component.name] === undefined ? green('ready') : red(`not ready: ${unhealthy[component.name]}`);
    say(
      `  ${component.name.padEnd(12)} pid ${String(component.pid).padEnd(8)} ${component.port ? `port ${String(component.port).padEnd(6)}` : ''.padEnd(11)} ${health}`,
    );
  }
  // Failures of no single process (the flight demo's release, the hosts' enrolment) have no line above.
  const names = new Set(state.components.map((c) => c.name));
  for (const [name, reason] of Object.entries(unhealthy)) if (!names.has(name)) say(`  ${name.padEnd(12)} ${red(`failed: ${reason}`)}`);
  say();
  say(dim(`  logs: ${home.logs}   ./msec status · ./msec logs [name] · ./msec down`));
}

/** Everything that can refuse a start before anything runs: another stack, a taken port, missing servers, no root. */
export async function preflight(config: LauncherConfig, profile: StackProfile = 'single'): Promise<void> {
  if (profile === 'cluster') checkClusterProfile(config);
  await checkPreconditions(config, msecHome(config.homeDir));
  ensureInstalled([...requirementsFor(config), ...(profile === 'cluster' ? [Requirements.iproute2] : [])], config.autoInstall);
}

/**
 * Runs the whole stack in this process until SIGINT/SIGTERM: infra, then services and the agents under
 * supervision; writes `.msec/run/state.json` for status and down; stops everything in reverse order.
 */
export async function runStack(config: LauncherConfig, foreground: boolean, profile: StackProfile = 'single'): Promise<void> {
  const home = msecHome(config.homeDir);
  await preflight(config, profile);
  for (const dir of [home.infra, home.data, home.logs, home.run]) mkdirSync(dir, { recursive: true });
  const secrets = loadZkRedisSecrets(home.root);

  const consoleUrl = `http://${config.httpHost}:${config.httpPort}`;
  const state: RunState = {
    launcherPid: process.pid,
    startedAt: new Date().toISOString(),
    natsUrl: '',
    zkConnect: '',
    redisUrl: '',
    consoleUrl,
    ready: false,
    components: [],
  };
  const infraStates = new Map<string, ComponentState>();
  const save = (): void => writeRunState(home.stateFile, state);
  const supervised: SupervisedProcess[] = [];
  /** Starts a process under supervision and keeps its pid and restarts in the state file. */
  const supervise = (entry: ComponentState, command: string, args: string[], env: NodeJS.ProcessEnv): void => {
    const proc = new SupervisedProcess(
      {
        name: entry.name,
        command,
        args,
        env,
        cwd: REPO_ROOT,
        logFile: entry.logFile,
        ...(foreground ? { prefix: processPrefix(entry.name, state.components.length) } : {}),
      },
      (restarted) => {
        entry.pid = restarted.pid;
        entry.restarts = restarted.restarts;
        save();
      },
    );
    proc.start();
    entry.pid = proc.pid;
    supervised.push(proc);
    state.components.push(entry);
  };

  /** A Node entry of this repository under supervision. */
  const superviseNode = (entry: ComponentState, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): void =>
    supervise(entry, process.execPath, ['--enable-source-maps', ...nodeArgs, script], env);

  let servers: InfraServer[] = [];
  let net: NetnsHosts | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      say(dim('stopping …'));
      for (const proc of [...supervised].reverse()) await proc.stop();
      await stopInfra(servers);
      await net?.dispose();
      clearRunState(home.stateFile);
      say('stopped');
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  const onServerStarted = (server: InfraServer, kind?: 'nats' | 'zookeeper' | 'redis'): void => {
    const entry: ComponentState = {
      name: server.name,
      kind: 'infra',
      ...(kind ? { server: kind } : {}),
      pid: server.pid,
      port: server.port,
      url: withoutPassword(server.url),
      logFile: server.logFile,
      restarts: 0,
    };
    infraStates.set(server.name, entry);
    state.components.push(entry);
    if (foreground)
      say(`${processPrefix(server.name, state.components.length)} started pid ${server.pid} on ${withoutPassword(server.url)}`);
    save();
  };
  const startInfra = async (): ReturnType<typeof launchInfra> => {
    if (profile === 'single') return launchInfra(config, home, onServerStarted, secrets);
    net = startClusterNetwork(home);
    state.network = { id: net.id, hosts: CLUSTER_SIZE };
    save();
    return launchClusterInfra(home, net, onServerStarted, secrets);
  };
  const infra = await startInfra().catch(async (error: unknown) => {
    await net?.dispose();
    clearRunState(home.stateFile);
    throw error;
  });
  servers = infra.servers;
  Object.assign(state, { natsUrl: infra.addresses.natsUrl, zkConnect: infra.addresses.zkConnect, redisUrl: infra.addresses.redisUrl });
  save();

  const launches = await platformLaunches(
    home,
    infra.addresses,
    { host: config.httpHost, port: config.httpPort },
    secrets,
    infra.natsAuthority,
    profile === 'cluster' ? { localAgent: false, streamReplicas: CLUSTER_STREAM_REPLICAS } : { localAgent: true },
  );
  for (const launch of launches) {
    superviseNode(
      {
        name: launch.name,
        kind: 'service',
        pid: -1,
        logFile: join(home.logs, `${launch.name}.log`),
        restarts: 0,
        healthSubject: launch.healthSubject,
        ...(launch.name === 'gateway' ? { port: config.httpPort, url: consoleUrl } : {}),
      },
      launch.entry,
      launch.env,
      launch.nodeArgs,
    );
  }
  save();

  /** Where an agent keeps its instances' logs: the local agent's folder, or a cluster host's state folder. */
  const agentDirOf = (hostId: string): string =>
    profile === 'cluster' ? join(home.root, 'cluster', 'hosts', hostId) : join(home.root, 'agent');

  /**
   * The cluster's second gateway listens on the bridge (the console URL stays on this machine), and each host's agent
   * joins through it with a token, as remote machines would. Returns the ids of the hosts that came up.
   */
  const startClusterHosts = async (
    hosts: NetnsHosts,
    services: typeof launches,
    addresses: typeof infra.addresses,
    notReady: Record<string, string>,
  ): Promise<string[]> => {
    const gateway = services.find((l) => l.name === 'gateway')!;
    // Beside a console bound to every address (0.0.0.0), which already answers on the bridge, the second one takes a
    // port of its own.
    const everyAddress = config.httpHost === '0.0.0.0' || config.httpHost === '::';
    const bridgePort = everyAddress ? await freePort(hosts.bridgeIp) : config.httpPort;
    const bridgeUrl = `http://${hosts.bridgeIp}:${bridgePort}`;
    superviseNode(
      {
        name: 'gateway-2',
        kind: 'service',
        pid: -1,
        logFile: join(home.logs, 'gateway-2.log'),
        restarts: 0,
        port: bridgePort,
        url: bridgeUrl,
        healthUrl: `${bridgeUrl}/api/v1/health`,
      },
      gateway.entry,
      { ...gateway.env, MSEC_HTTP_HOST: hosts.bridgeIp, MSEC_HTTP_PORT: String(bridgePort) },
      gateway.nodeArgs,
    );
    save();
    const second = await waitForHttpHealthy(`${bridgeUrl}/api/v1/health`, HEALTHY_TIMEOUT_MS);
    if (second !== undefined) {
      notReady['gateway-2'] = second;
      return [];
    }
    try {
      const agents = await prepareClusterHosts(nc, home, hosts, addresses, bridgeUrl);
      for (const agent of agents)
        supervise(
          {
            name: agent.hostId,
            kind: 'host',
            pid: -1,
            logFile: join(home.logs, `${agent.hostId}.log`),
            restarts: 0,
            hostId: agent.hostId,
            ip: agent.ip,
          },
          agent.command,
          agent.args,
          agent.env,
        );
      save();
      return agents.map((a) => a.hostId);
    } catch (error) {
      notReady.hosts = error instanceof Error ? error.message : String(error);
      return [];
    }
  };

  const nc = await connectForProbes(infra.addresses.natsUrl, config);
  const subjects = Object.fromEntries(launches.map((l) => [l.name, l.healthSubject]));
  const unhealthy = await waitForHealthy(nc, subjects, HEALTHY_TIMEOUT_MS);
  let hostIds = [launches.find((l) => l.name === 'agent')?.env.MSEC_HOST_ID ?? localHostId()];
  if (net && unhealthy.gateway === undefined && unhealthy.deploy === undefined) {
    hostIds = await startClusterHosts(net, launches, infra.addresses, unhealthy);
  }
  const agentsReady = profile === 'cluster' ? hostIds.length === CLUSTER_SIZE : unhealthy.agent === undefined;
  if (config.flightInstances > 0 && unhealthy.registry === undefined && unhealthy.deploy === undefined && agentsReady) {
    // The demo goes out the way operators ship code: packages and release plans to the agents, which run it.
    try {
      const instances = await releaseFlightDemo(nc, home, hostIds, (line) => say(dim(line)));
      for (const instance of instances) {
        state.components.push({
          name: instance.component,
          kind: 'example',
          pid: instance.pid ?? -1,
          port: instance.port,
          logFile: join(agentDirOf(instance.hostId), 'logs', instance.service, 'stdout.log'),
          restarts: 0,
          service: instance.service,
          hostId: instance.hostId,
          ip: instance.ip,
        });
        if (instance.status !== 'running')
          unhealthy[instance.component] = `${instance.service} is ${instance.status} on ${instance.hostId}`;
      }
    } catch (error) {
      unhealthy['flight demo'] = error instanceof Error ? error.message : String(error);
    }
  }
  await nc.close();
  state.ready = Object.keys(unhealthy).length === 0;
  save();
  printSummary(state, home, unhealthy);
  await new Promise<never>(() => undefined);
}
