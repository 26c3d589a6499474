import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DependencyCheck } from './health.service.js';

/** A command in RESP, so a password is sent byte for byte whatever it holds. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Health check: Redis answers PING with +PONG at redis://host:port (rediss:// over TLS, verified with `tlsCaFile`). */
export function redisCheck(redisUrl: string, tlsCaFile = ''): DependencyCheck {
  const url = new URL(redisUrl);
  const host = url.hostname;
  const port = Number(url.port || 6379);
  return {
    name: 'redis',
    check: () =>
      new Promise<boolean>((resolve, reject) => {
        const tls = url.protocol === 'rediss:';
        const socket = tls
          ? tlsConnect({ host, port, ...(tlsCaFile === '' ? {} : { ca: readFileSync(tlsCaFile) }) })
          : connect({ host, port });
        socket.setTimeout(1500, () => {
          socket.destroy();
          resolve(false);
        });
        socket.on(tls ? 'secureConnect' : 'connect', () =>
          socket.write((url.password ? resp('AUTH', decodeURIComponent(url.password)) : '') + resp('PING')),
        );
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
