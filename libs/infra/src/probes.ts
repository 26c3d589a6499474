import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Sends one line over TCP and resolves with whatever the server answers before closing or timing out. */
export function tcpExchange(host: string, port: number, payload: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Whether something accepts a TCP connection on host:port within the time. */
export function tcpConnects(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** ZooKeeper's four-letter `ruok`: true when it answers `imok`. */
export async function zooKeeperIsOk(host: string, port: number): Promise<boolean> {
  return (await tcpExchange(host, port, 'ruok')).startsWith('imok');
}

/** ZooKeeper `srvr` reports "Mode:" only once it serves requests. */
export async function zooKeeperServes(host: string, port: number): Promise<boolean> {
  return (await tcpExchange(host, port, 'srvr')).includes('Mode:');
}

/** A command in RESP, so any byte of an argument (a password) is sent as it is. */
export function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Redis PING (after AUTH when given a password; over TLS verified with `tlsCaFile` when given): true on +PONG. */
export async function redisPongs(host: string, port: number, password?: string, tlsCaFile?: string): Promise<boolean> {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = tlsCaFile === undefined ? tcpConnect({ host, port }) : tlsConnect({ host, port, ca: readFileSync(tlsCaFile) });
    let text = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(finish, 1000);
    socket.setEncoding('utf8');
    socket.on(tlsCaFile === undefined ? 'connect' : 'secureConnect', () =>
      socket.write((password === undefined ? '' : respCommand('AUTH', password)) + respCommand('PING')),
    );
    socket.on('data', (chunk: string) => {
      text += chunk;
      // Done at the first error, or once PING has answered.
      if (text.startsWith('-') || text.includes('+PONG')) finish();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return reply.includes('+PONG') && !reply.startsWith('-');
}
