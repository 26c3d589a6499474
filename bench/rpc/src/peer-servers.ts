import 'reflect-metadata';
import { createServer as createTcpServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';

/** The echo IDL shared by the msec and gRPC scenarios. */
export const ECHO_PROTO = fileURLToPath(new URL('../../proto/echo.proto', import.meta.url));

/** Raw TCP echo: every byte straight back. The ceiling any RPC layer on TCP is measured against. */
export function serveRawEcho(): Promise<{ port: number; close(): void }> {
  const server = createTcpServer((socket) => {
    socket.setNoDelay(true);
    socket.pipe(socket);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, close: () => server.close() })),
  );
}

/** gRPC unary echo with @grpc/grpc-js. */
export function serveGrpcEcho(): Promise<{ port: number; close(): void }> {
  const def = protoLoader.loadSync(ECHO_PROTO);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { bench: { EchoService: grpc.ServiceClientConstructor } };
  const server = new grpc.Server();
  server.addService(pkg.bench.EchoService.service, {
    Echo: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, call.request),
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) return reject(error);
      resolve({ port, close: () => server.forceShutdown() });
    }),
  );
}

@Controller()
class EchoController {
  @MessagePattern('bench.echo')
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** NestJS microservice echo over the NATS transport. */
export async function serveNestNatsEcho(natsUrl: string): Promise<{ port: number; close(): void }> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(EchoModule, {
    transport: Transport.NATS,
    options: { servers: [natsUrl] },
    logger: false,
  });
  await app.listen();
  return { port: 0, close: () => void app.close() };
}
