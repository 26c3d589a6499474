import { request as httpRequest } from 'node:http';
import { isIP } from 'node:net';
import { MsecError } from '@msec/contracts';
import { Nlb, ZkRouteCache, parseZkAuth } from '@msec/nlb';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { readRunState } from '../launcher/run-state.js';
import { readZkReader } from '../launcher/zk-redis-secrets.js';
import { say } from '../output.js';

/** MSEC's HTTP+JSON reply. */
interface HttpJsonReply {
  ret: number;
  errmsg: string;
  resultObj?: unknown;
  /** The trace the request got at the module it entered (`./msec trace ID`, `./msec logs search --trace ID`). */
  traceId?: string;
}

function postJson(host: string, port: number, method: string, body: unknown, timeoutMs: number): Promise<HttpJsonReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host,
        port,
        method: 'POST',
        path: `/?methodName=${encodeURIComponent(method)}`,
        headers: { 'content-type': 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as HttpJsonReply);
          } catch {
            reject(
              new MsecError('CLI_BAD_REPLY', `${host}:${port} answered something that is not MSEC HTTP+JSON: ${text.slice(0, 200)}`, {
                status: 502,
              }),
            );
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function parseBody(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MsecError(
      'CLI_BAD_ARGS',
      `request: not JSON (${error instanceof Error ? error.message : String(error)}); quote it, e.g. '{"name":"bison"}'`,
      {
        status: 400,
        data: { field: 'request' },
      },
    );
  }
}

/**
 * `msec call TARGET pkg.service.method '{json}'`: calls a method over the same port's HTTP+JSON form, routed by
 * service name through ZooKeeper (adaptive selection, tries another instance if one is unreachable) or at ip:port.
 */
export async function call(config: LauncherConfig, positionals: string[], timeoutMs: number, zkFlag: string | undefined): Promise<number> {
  const [target, method, bodyText] = positionals;
  if (!target || !method)
    throw new MsecError('CLI_BAD_ARGS', 'usage: msec call SERVICE|IP:PORT package.service.method [JSON]', {
      status: 400,
      data: { field: 'target' },
    });
  if (!/^[\w.]+\.[\w]+\.[\w]+$/.test(method)) {
    throw new MsecError('CLI_BAD_ARGS', `method: "${method}" must be package.service.method, e.g. flight.flight_service.queryFlight`, {
      status: 400,
      data: { field: 'method' },
    });
  }
  const body = parseBody(bodyText);
  const at = target.lastIndexOf(':');
  const direct = at > 0 && isIP(target.slice(0, at)) !== 0 ? { ip: target.slice(0, at), port: Number(target.slice(at + 1)) } : undefined;
  let reply: HttpJsonReply;
  if (direct) reply = await postJson(direct.ip, direct.port, method, body, timeoutMs);
  else {
    const zkConnect = zkFlag ?? (config.zkConnect || readRunState(msecHome(config.homeDir).stateFile)?.zkConnect);
    if (!zkConnect)
      throw new MsecError('CLI_NO_ZOOKEEPER', 'no ZooKeeper to route by name: start ./msec up, or give --zk host:port or MSEC_ZK_CONNECT', {
        status: 400,
        data: { field: 'zk' },
      });
    // The routes are readable only with an identity: the configured one, else the reader `msec up` generated.
    const auth = parseZkAuth(config.zkAuth || readZkReader(config.homeDir) || '', 'zkAuth (MSEC_ZK_AUTH)');
    const routes = new ZkRouteCache({ connect: zkConnect, loadTimeoutMs: 3_000, auth });
    const nlb = new Nlb({ routes });
    try {
      reply = await callRouted(nlb, target, method, body, timeoutMs);
    } finally {
      routes.close();
    }
  }
  // The trace id goes to stderr, so stdout stays the reply's JSON.
  const trace = reply.traceId ? ` (trace ${reply.traceId})` : '';
  if (reply.ret !== 0) {
    process.stderr.write(`error ${reply.ret}: ${reply.errmsg}${trace}\n`);
    return 1;
  }
  if (trace) process.stderr.write(`trace ${reply.traceId}\n`);
  say(JSON.stringify(reply.resultObj, null, 2));
  return 0;
}

async function callRouted(nlb: Nlb, service: string, method: string, body: unknown, timeoutMs: number): Promise<HttpJsonReply> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const route = await nlb.route(service);
    const started = Date.now();
    try {
      const reply = await postJson(route.ip, route.port, method, body, timeoutMs);
      nlb.reportResult(route, true, Date.now() - started);
      return reply;
    } catch (error) {
      nlb.reportResult(route, false, Date.now() - started);
      lastError = error;
      // Only a refused connection means the request never ran; anything else is not retried.
      if (!(error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED')) break;
    }
  }
  throw new MsecError('CLI_CALL_FAILED', `${service} ${method}: ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
    status: 503,
  });
}
