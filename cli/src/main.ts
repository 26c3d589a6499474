#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { MsecError } from '@msec/contracts';
import { setBinarySearchPath } from '@msec/infra';
import { describeFatalError } from '@msec/platform';
import { parseArgs, stringFlag } from './cli-args.js';
import { loadLauncherConfig } from './launcher-config.js';
import { agent } from './commands/agent.js';
import { call } from './commands/call.js';
import {
  configCommand,
  DEPLOY_BOOLEAN_FLAGS,
  DEPLOY_USAGE,
  hostsCommand,
  idlCommand,
  keysCommand,
  packageCommand,
  releaseCommand,
} from './commands/deploy.js';
import { down } from './commands/down.js';
import { credentials } from './commands/credentials.js';
import { secretsCommand } from './commands/secrets.js';
import { gen } from './commands/gen.js';
import { login, LOGIN_BOOLEAN_FLAGS, logout } from './commands/login.js';
import { KV_BOOLEAN_FLAGS, kv } from './commands/kv.js';
import { LOG_SEARCH_BOOLEAN_FLAGS, logsSearch, trace } from './commands/log-search.js';
import { logs } from './commands/logs.js';
import { monitor, MONITOR_BOOLEAN_FLAGS } from './commands/monitor.js';
import { MQ_BOOLEAN_FLAGS, mq } from './commands/mq.js';
import { rebuild } from './commands/rebuild.js';
import { EVENTS_BOOLEAN_FLAGS, events } from './commands/events.js';
import { service, SERVICE_BOOLEAN_FLAGS } from './commands/service.js';
import { status } from './commands/status.js';
import { traffic, TRAFFIC_BOOLEAN_FLAGS } from './commands/traffic.js';
import { capacity } from './commands/capacity.js';
import { test } from './commands/test.js';
import { stackProfile, upDetached, upForeground } from './commands/up.js';
import { say } from './output.js';

const USAGE = `usage: ./msec <command> [options]

  up [-d]            install what is missing, build, start infra, services and a local agent; -d runs detached
  up --cluster [-d]  as root: 3 NATS servers, 3 ZooKeeper members, two gateways and 3 hosts in network namespaces
  down               stop everything ./msec up started
  status             each component with pid, port and health
  logs [name]        follow the logs of one component, or all
  logs search [--service S] [--host H] [--level L] [--trace ID] [--field k=v]… [--text T] [--from ISO] [--to ISO] [--limit N] [--json]
                     search the centralised logs (needs ./msec login)
  trace ID [--mermaid]
                     one request's call tree with timings, or its Mermaid charts
  login [--url URL] [--user NAME] [--read-only] [--expires-days N|never]
                     log in to the REST API and store an API token (~/.config/msec/credentials.json)
  logout             revoke the stored token and delete it
  service <create|list|show|delete|add|remove|scale-out|scale-in|weight> …
                     the service tree (./msec service help)
  limit <ls|set|rm> SERVICE [METHOD --qps N] | breaker <set|reset> SERVICE [KEY=VALUE…]
                     rate limits and circuit-breaker settings (./msec limit help)
  capacity [SERVICE] [--target-cpu N]
                     instances, calls/s, CPU and memory per service, and the instances it needs (./msec capacity help)
  route <ls|set|rm|tag> SERVICE …
                     routing rules and instance tags for gray releases (./msec route help)
  monitor show SERVICE ATTR [--host H] [--day YYYY-MM-DD] | monitor alarms [--all]
                     per-minute curves and alarms (needs ./msec login)
  mq publish|streams|dlq|inspect|redrive|discard|trace …
                     messages: publish, streams and lag, dead letters, trace
  kv <subcommand>    Redis Cluster administration: list, create, topology, rebalance, … (./msec kv help)
  call TARGET METHOD [JSON]
                     call pkg.service.method on a service (by name, routed) or ip:port, e.g.
                     ./msec call Flight.mod_flight flight.flight_service.queryFlight '{"name":"bison",...}'
  agent --enroll TOKEN --gateway URL [--ip IP] [--dir DIR] | agent --dir DIR
                     join this machine with a token from ./msec hosts enroll and run its agent (later: --dir only)
  agent --nats URL --host-id ID --console-key FILE --creds FILE [--tls-ca FILE]
                     run a host agent with files given by hand (--creds: its NATS identity, agent-ID.creds)
  gen X.proto [--out DIR] [--lang ts|python]
                     write TypeScript types, a typed server skeleton and a typed client for an IDL
                     (--lang python: one module for the Python SDK in sdk/python)
  credentials service NAME --out FILE | credentials host HOST_ID --out FILE
                     NATS .creds of a business service run outside an agent, or of another host's agent
                     (minted from this machine's launcher home)
  secrets init DIR [--host-id ID]
                     every credential of a docker-compose stack (or external servers) and one env file per component
  events catalogue [--write]
                     every event automation can subscribe to (--write: regenerate docs/events.md)
  rebuild SERVICE    replay a service's events into an empty read model (registry, deploy, monitor, log, kv-admin, gateway)
  test [filter]      typecheck, lint, unit and integration tests (filter: a path part, e.g. libs/rpc)

options: --config FILE (default msec.config.json)

${DEPLOY_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    new Set([
      'foreground-detached',
      'cluster',
      'help',
      ...SERVICE_BOOLEAN_FLAGS,
      ...KV_BOOLEAN_FLAGS,
      ...MONITOR_BOOLEAN_FLAGS,
      ...DEPLOY_BOOLEAN_FLAGS,
      ...MQ_BOOLEAN_FLAGS,
      ...LOG_SEARCH_BOOLEAN_FLAGS,
      ...LOGIN_BOOLEAN_FLAGS,
      ...EVENTS_BOOLEAN_FLAGS,
      ...TRAFFIC_BOOLEAN_FLAGS,
    ]),
  );
  if (args.command === 'help' || args.flags.help === true) {
    say(USAGE);
    return 0;
  }
  const config = loadLauncherConfig(stringFlag(args, 'config'));
  if (config.binPath) setBinarySearchPath(config.binPath.split(':'));
  switch (args.command) {
    case 'up':
      if (args.flags.d === true) {
        await upDetached(
          config,
          fileURLToPath(import.meta.url),
          process.argv.slice(3).filter((a) => a !== '-d'),
          stackProfile(args),
        );
        return 0;
      }
      await upForeground(config, args.flags['foreground-detached'] !== true, stackProfile(args));
      return 0;
    case 'down':
      await down(config);
      return 0;
    case 'status':
      return status(config);
    case 'logs':
      if (args.positionals[0] === 'search') return logsSearch(config, args, undefined, argv);
      await logs(config, args.positionals[0]);
      return 0;
    case 'trace':
      return trace(config, args);
    case 'login':
      return login(config, args);
    case 'logout':
      return logout(config, args);
    case 'service':
      return service(config, args);
    case 'limit':
    case 'breaker':
    case 'route':
      return traffic(config, args);
    case 'capacity':
      return capacity(config, args);
    case 'hosts':
      return hostsCommand(config, args);
    case 'package':
      return packageCommand(config, args);
    case 'config':
      return configCommand(config, args);
    case 'idl':
      return idlCommand(config, args);
    case 'release':
      return releaseCommand(config, args);
    case 'keys':
      return keysCommand(config, args);
    case 'monitor':
      return monitor(config, args);
    case 'mq':
      return mq(config, args);
    case 'kv':
      return kv(config, args);
    case 'call': {
      const timeout = Number(stringFlag(args, 'timeout') ?? 3000);
      if (!Number.isInteger(timeout) || timeout <= 0)
        throw new MsecError('CLI_BAD_ARGS', '--timeout: must be a whole number of ms', { status: 400, data: { field: 'timeout' } });
      return call(config, args.positionals, timeout, stringFlag(args, 'zk'));
    }
    case 'agent':
      return agent(args.flags);
    case 'gen':
      return gen(args.positionals[0], stringFlag(args, 'out'), stringFlag(args, 'lang'));
    case 'rebuild':
      return rebuild(config, args);
    case 'events':
      return events(args);
    case 'credentials':
      return credentials(config, args.positionals, stringFlag(args, 'out'));
    case 'secrets':
      return secretsCommand(args);
    case 'test':
      return test(config, args.positionals[0]);
    default:
      throw new MsecError('CLI_UNKNOWN_COMMAND', `unknown command "${args.command}"\n\n${USAGE}`, {
        status: 400,
        data: { field: 'command' },
      });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`msec: ${describeFatalError(error)}\n`);
    process.exitCode = 1;
  },
);
