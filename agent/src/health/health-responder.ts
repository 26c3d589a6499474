import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Component, MsecError, Subjects } from '@msec/contracts';
import { HealthReporter, natsCheck } from '@msec/platform/standalone';
import type { AgentConfig } from '../config/agent.config.js';

/** Agents answer health in one queue group, as every platform component does: one of them replies. */
const HEALTH_QUEUE = `msec-${Component.agent}`;

/**
 * Answers `msec.agent.health` in the request/reply shape the platform's services use (`{ id, response }`, or
 * `{ id, err }`): ready when NATS is reachable and the state folder is writable.
 */
export function serveHealth(nc: NatsConnection, config: AgentConfig): Subscription {
  const reporter = new HealthReporter(Component.agent, [
    natsCheck(nc),
    {
      name: 'state-dir',
      check: async () => {
        mkdirSync(config.stateDir, { recursive: true });
        accessSync(config.stateDir, constants.W_OK);
        return `${config.hostId} ${config.stateDir}`;
      },
    },
  ]);
  const answer = async (msg: Msg): Promise<void> => {
    let id: unknown = null;
    try {
      id = (msg.json<{ id?: unknown }>() ?? {}).id ?? null;
    } catch {
      // A probe without a JSON envelope still gets an answer.
    }
    try {
      msg.respond(JSON.stringify({ id, response: await reporter.report(), isDisposed: true }));
    } catch (error) {
      const err = error instanceof MsecError ? error.toPayload() : { code: 'INTERNAL', message: String(error) };
      msg.respond(JSON.stringify({ id, err, isDisposed: true }));
    }
  };
  return nc.subscribe(Subjects.health(Component.agent), { queue: HEALTH_QUEUE, callback: (_e, msg) => void answer(msg) });
}
