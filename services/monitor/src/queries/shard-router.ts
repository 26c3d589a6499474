import { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { shardUnavailable } from '../monitor.errors.js';
import { MsecError, MonitorSubjects, monitorShardOf, toErrorPayload, type ErrorPayload } from '@msec/contracts';

/** A query this service answers, by action name. */
export type LocalQuery = (action: string, payload: unknown) => Promise<unknown> | unknown;

interface ShardReply {
  result?: unknown;
  err?: ErrorPayload;
}

/**
 * With several monitor instances each one holds the services whose hash lands on its shard. Any instance may receive a
 * query (Nest's queue group); a query about one service is forwarded to the owning shard, and a query over every
 * service is asked of each shard and merged. With one instance everything is answered locally.
 */
export class ShardRouter {
  private readonly logger = new Logger('ShardRouter');
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly shardIndex: number,
    private readonly shards: number,
    private readonly local: LocalQuery,
    private readonly timeoutMs = 5000,
  ) {}

  /** Answers queries forwarded to this shard. */
  start(): void {
    if (this.shards <= 1) return;
    this.subscription = this.nc.subscribe(MonitorSubjects.shardQuery(this.shardIndex), {
      callback: (error, msg) => {
        if (error) return;
        void (async () => {
          let reply: ShardReply;
          try {
            const { action, payload } = msg.json<{ action: string; payload: unknown }>();
            reply = { result: await this.local(action, payload) };
          } catch (e) {
            reply = { err: toErrorPayload(e) };
          }
          msg.respond(JSON.stringify(reply));
        })().catch((e: unknown) => this.logger.error(String(e)));
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** Answers a query about one service, here or on the shard that owns it. */
  async forService(service: unknown, action: string, payload: unknown): Promise<unknown> {
    if (this.shards <= 1 || typeof service !== 'string') return this.local(action, payload);
    const owner = monitorShardOf(service, this.shards);
    return owner === this.shardIndex ? this.local(action, payload) : this.ask(owner, action, payload);
  }

  /** Asks every shard and returns their answers (this shard's first). */
  async everyShard(action: string, payload: unknown): Promise<unknown[]> {
    const answers: Promise<unknown>[] = [Promise.resolve(this.local(action, payload))];
    for (let s = 0; s < this.shards; s++) if (s !== this.shardIndex) answers.push(this.ask(s, action, payload));
    return Promise.all(answers);
  }

  private async ask(shard: number, action: string, payload: unknown): Promise<unknown> {
    let msg;
    try {
      msg = await this.nc.request(MonitorSubjects.shardQuery(shard), JSON.stringify({ action, payload }), { timeout: this.timeoutMs });
    } catch (error) {
      throw shardUnavailable(shard, error);
    }
    const reply = msg.json<ShardReply>();
    if (reply.err !== undefined) throw MsecError.fromPayload(reply.err);
    return reply.result;
  }
}
