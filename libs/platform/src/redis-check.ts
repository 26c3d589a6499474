import { connect } from 'node:net';
import type { DependencyCheck } from './health.service.js';

/** Health check: Redis answers PING with +PONG at redis://host:port. */
export function redisCheck(redisUrl: string): DependencyCheck {
  const url = new URL(redisUrl);
  const host = url.hostname;
  const port = Number(url.port || 6379);
  return {
    name: 'redis',
    check: () =>
      new Promise<boolean>((resolve, reject) => {
        const socket = connect({ host, port });
        socket.setTimeout(1500, () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('connect', () => socket.write(url.password ? `AUTH ${decodeURIComponent(url.password)}\r\nPING\r\n` : 'PING\r\n'));
        socket.on('data', (chunk) => {
          if (chunk.toString().includes('+PONG')) {
            socket.destroy();
            resolve(true);
          }
        });
        socket.on('error', reject);
      }),
  };
}
