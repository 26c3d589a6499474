// Connecting with a .creds file. Imported as `@msec/contracts/nats-creds` by processes that connect to NATS.
import { existsSync, readFileSync } from 'node:fs';
import { credsAuthenticator, type Authenticator } from '@nats-io/nats-core';
import { MsecError } from '../msec-error.js';
import { natsInboxPrefix } from './nats-permissions.js';

/** The `name` claim of a JWT (its middle part is base64url JSON); throws when it does not parse. */
function jwtName(jwt: string): string {
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { name?: unknown };
  if (typeof claims.name !== 'string') throw new Error('the JWT has no name claim');
  return claims.name;
}

/**
 * nats.js connection options for a .creds file: the credentials and the identity's own inbox prefix.
 * `key` names the setting in errors (e.g. 'natsCreds (MSEC_NATS_CREDS)').
 */
export function natsCredsOptions(file: string, key: string): { authenticator: Authenticator; inboxPrefix: string } {
  if (!existsSync(file)) {
    throw new MsecError('NATS_CREDS_INVALID', `${key}: file ${file} does not exist; point it at the .creds file of this identity`, {
      status: 400,
    });
  }
  const text = readFileSync(file, 'utf8');
  const jwt = /-----BEGIN NATS USER JWT-----\s*\n\s*(\S+)\s*\n/.exec(text)?.[1];
  if (!jwt || !text.includes('-----BEGIN USER NKEY SEED-----')) {
    throw new MsecError('NATS_CREDS_INVALID', `${key}: ${file} is not a NATS .creds file (user JWT and seed); generate it again`, {
      status: 400,
    });
  }
  let identity: string;
  try {
    identity = jwtName(jwt);
  } catch (error) {
    throw new MsecError('NATS_CREDS_INVALID', `${key}: the user JWT in ${file} does not parse; generate it again`, {
      status: 400,
      cause: error,
    });
  }
  // Replies come under the identity's own prefix: the server lets no other identity subscribe there.
  return { authenticator: credsAuthenticator(new TextEncoder().encode(text)), inboxPrefix: natsInboxPrefix(identity) };
}
