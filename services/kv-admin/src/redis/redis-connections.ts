import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { nodeAuthFailed, nodeUnreachable } from '../kv-admin.errors.js';
import { parseNodeAddress } from './node-address.js';

/** A reply of `call`: what ioredis returns for a raw command. */
export type RedisReply = unknown;

/** One connection per Redis node address, reused across requests and operations. */
@Injectable()
export class RedisConnections implements OnModuleDestroy {
  private readonly clients = new Map<string, Redis>();
  /** The password of each node that has one (its cluster's), in memory only. */
  private readonly passwords = new Map<string, string>();

  /** Connects to these nodes with `password` (none: undefined) from now on; a changed password reconnects. */
  usePassword(addresses: Iterable<string>, password: string | undefined): void {
    for (const address of addresses) {
      if (this.passwords.get(address) === password) continue;
      if (password === undefined) this.passwords.delete(address);
      else this.passwords.set(address, password);
      this.drop(address);
    }
  }

  /** The password used for a node, if any (MIGRATE passes it on to the target). */
  passwordOf(address: string): string | undefined {
    return this.passwords.get(address);
  }

  /** The connection to a node (created on first use). */
  client(address: string): Redis {
    let client = this.clients.get(address);
    if (client === undefined) {
      const { host, port } = parseNodeAddress(address, 'node');
      client = new Redis({
        host,
        port,
        password: this.passwords.get(address),
        lazyConnect: true,
        connectTimeout: 2000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
        retryStrategy: (n) => Math.min(n * 200, 2000),
      });
      client.on('error', () => undefined);
      this.clients.set(address, client);
    }
    return client;
  }

  /** Runs one raw command on a node; a dead node becomes KV_NODE_UNREACHABLE. */
  async call(address: string, command: string, ...args: (string | number | Buffer)[]): Promise<RedisReply> {
    const client = this.client(address);
    try {
      return await client.call(command, ...args);
    } catch (error) {
      if (isConnectionError(error)) throw nodeUnreachable(address, error);
      if (isAuthError(error)) throw nodeAuthFailed(address, (error as Error).message);
      throw error;
    }
  }

  /** Runs a command whose reply is text. */
  async text(address: string, command: string, ...args: (string | number)[]): Promise<string> {
    return String(await this.call(address, command, ...args));
  }

  /** Drops a node's connection (after it left the cluster). */
  drop(address: string): void {
    this.clients.get(address)?.disconnect();
    this.clients.delete(address);
  }

  async onModuleDestroy(): Promise<void> {
    for (const client of this.clients.values()) client.disconnect();
    this.clients.clear();
  }
}

function isAuthError(error: unknown): boolean {
  return error instanceof Error && /^(NOAUTH|WRONGPASS)\b/.test(error.message);
}

function isConnectionError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection is closed|max retries|Stream isn't writeable|connect ETIMEDOUT/i.test(
    message,
  );
}
