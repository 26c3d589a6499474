import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { ECHO_PROTO } from './peer-servers.js';
import { startChildServer } from './servers.js';

const server = await startChildServer('grpc');
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(ECHO_PROTO)) as unknown as {
  bench: { EchoService: grpc.ServiceClientConstructor };
};
const client = new pkg.bench.EchoService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  Echo(req: unknown, cb: (e: grpc.ServiceError | null, r: unknown) => void): void;
};
let seq = 0;
const call = (): Promise<unknown> =>
  new Promise((resolve, reject) => client.Echo({ text: 'hello msec', seq: seq++ }, (e, r) => (e ? reject(e) : resolve(r))));
const m = await measure(call, { concurrency: PIPELINE_DEPTH, durationMs: benchSeconds() * 1000, warmupMs: 500 });
client.close();
await server.stop();
report('grpc-unary', '@grpc/grpc-js unary echo, same payload, one channel, 64 in flight', m);
