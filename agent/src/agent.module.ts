import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, connectNats } from '@msec/platform';
import { AGENT_CONFIG, type AgentConfig } from './config/agent.config.js';
import { HealthController } from './health/health.controller.js';
import { AgentRuntime } from './agent.runtime.js';

/** Drains the agent's own NATS connection at shutdown. */
@Injectable()
class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}

/** The host agent: verifies signed commands and supervises business instances on one host. */
@Module({})
export class AgentModule {
  static forConfig(config: AgentConfig): DynamicModule {
    return {
      module: AgentModule,
      controllers: [HealthController],
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        { provide: NATS_CONNECTION, useFactory: () => connectNats(config, `msec-agent-${config.hostId}`) },
        NatsCloser,
        AgentRuntime,
      ],
    };
  }
}
