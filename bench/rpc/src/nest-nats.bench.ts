import 'reflect-metadata';
import { firstValueFrom } from 'rxjs';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { startNats } from '@msec/testing';
import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { startChildServer } from './servers.js';

// A peer transport's cost per call, without the platform's identities: anonymous clients are allowed here only.
const nats = await startNats({ auth: false });
const server = await startChildServer('nest', nats.url);
const client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [nats.url] } });
await client.connect();
let seq = 0;
const m = await measure(() => firstValueFrom(client.send('bench.echo', { text: 'hello msec', seq: seq++ })), {
  concurrency: PIPELINE_DEPTH,
  durationMs: benchSeconds() * 1000,
  warmupMs: 500,
});
await client.close();
await server.stop();
await nats.dispose();
report('nest-nats', 'NestJS microservices, NATS transport (real nats-server), request/reply echo, 64 in flight', m);
