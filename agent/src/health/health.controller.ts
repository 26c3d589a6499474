import { accessSync, constants, mkdirSync } from 'node:fs';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { AGENT_CONFIG, type AgentConfig } from '../config/agent.config.js';

/** Answers `msec.agent.health`: ready when NATS is reachable and the state folder is writable. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, @Inject(AGENT_CONFIG) config: AgentConfig) {
    this.reporter = new HealthReporter(Component.agent, [
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
  }

  @MessagePattern(Subjects.health(Component.agent))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
