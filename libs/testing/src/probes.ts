import { connect as tcpConnect } from 'node:net';

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

/** ZooKeeper's four-letter `ruok`: true when it answers `imok`. */
export async function zooKeeperIsOk(host: string, port: number): Promise<boolean> {
  return (await tcpExchange(host, port, 'ruok')).startsWith('imok');
}

/** ZooKeeper `srvr` reports "Mode:" only once it serves requests. */
export async function zooKeeperServes(host: string, port: number): Promise<boolean> {
  return (await tcpExchange(host, port, 'srvr')).includes('Mode:');
}

/** Redis PING: true on +PONG. */
export async function redisPongs(host: string, port: number): Promise<boolean> {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('');
    }, 1000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return reply.startsWith('+PONG');
}
