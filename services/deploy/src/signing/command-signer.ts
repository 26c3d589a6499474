import { Injectable, Inject } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { signCommand, type CanonicalValue, type SignedCommand } from '@msec/contracts';
import { ConsoleKeyStore } from './console-keys.js';
import type { ConsoleKeyPair } from './console-keys.js';

/** Default lifetime of a signed command: long enough for NATS, short enough that a captured one is useless. */
export const COMMAND_LIFETIME_MS = 30_000;

/** Builds and signs command envelopes with the console key. */
@Injectable()
export class CommandSigner {
  constructor(@Inject(ConsoleKeyStore) private readonly keys: ConsoleKeyStore) {}

  /** A fresh envelope (new command id and 128-bit nonce) naming who asked, signed with the current key or with `key`. */
  sign(
    hostId: string,
    type: string,
    args: { [key: string]: CanonicalValue },
    lifetimeMs = COMMAND_LIFETIME_MS,
    key?: ConsoleKeyPair,
    requestedBy = 'deploy',
  ): SignedCommand {
    const signer = key ?? this.keys.key;
    const issuedAt = Date.now();
    return signCommand(
      {
        v: 1,
        hostId,
        commandId: randomUUID(),
        issuedAt,
        expiresAt: issuedAt + lifetimeMs,
        nonce: randomBytes(16).toString('hex'),
        type,
        args,
        requestedBy,
      },
      signer.privateKey,
      signer.keyId,
    );
  }
}
