import { GatewayEventType } from '../gateway/gateway-events.js';
import type { EventDefinition } from './event-definition.js';

const OWNER = 'gateway';
const USERS = 'gateway.users';
const TOKENS = 'gateway.tokens';
const USER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const TOKEN_ID = '16fd2706-8baf-433b-82eb-8c7fada847da';
const REF = 'string: where the gateway keeps the hash (never in an event)';

/** The gateway's events: console users, roles and passwords, and API tokens. */
export const gatewayEventDefinitions: EventDefinition[] = [
  {
    type: GatewayEventType.userCreated,
    version: 1,
    owner: OWNER,
    subject: USERS,
    description: 'A console user was created (the first admin at first start, or by an admin).',
    fields: {
      userId: 'string: the user id',
      username: 'string: the login name',
      role: 'string: viewer, developer or admin',
      mustChangePassword: 'boolean: whether the password must be changed at next login',
      credentialRef: REF,
    },
    example: {
      userId: USER_ID,
      username: 'dora',
      role: 'developer',
      mustChangePassword: true,
      credentialRef: 'c1f0a3e2-0b6d-4b8e-9a51-2f4c6d8e0a11',
    },
  },
  {
    type: GatewayEventType.userPasswordChanged,
    version: 1,
    owner: OWNER,
    subject: USERS,
    description: "A user's password was changed (by the user, or reset by an admin); every API token of the user is revoked.",
    fields: {
      userId: 'string: the user id',
      credentialRef: REF,
      mustChangePassword: 'boolean: true when an admin reset it (to be changed at next login)',
    },
    example: { userId: USER_ID, credentialRef: 'd2e1b4f3-1c7e-4c9f-8b62-3a5d7e9f1b22', mustChangePassword: false },
  },
  {
    type: GatewayEventType.userRoleChanged,
    version: 1,
    owner: OWNER,
    subject: USERS,
    description: "A user's role was changed by an admin; every API token of the user is revoked.",
    fields: { userId: 'string: the user id', role: 'string: viewer, developer or admin' },
    example: { userId: USER_ID, role: 'admin' },
  },
  {
    type: GatewayEventType.userDeleted,
    version: 1,
    owner: OWNER,
    subject: USERS,
    description: 'A user was deleted with their API tokens.',
    fields: { userId: 'string: the user id' },
    example: { userId: USER_ID },
  },
  {
    type: GatewayEventType.userImported,
    version: 1,
    owner: OWNER,
    subject: USERS,
    description: 'A user stored by an older gateway was carried into the event stream as it stood, once, on upgrade.',
    fields: {
      userId: 'string: the user id',
      username: 'string: the login name',
      role: 'string: viewer, developer or admin',
      mustChangePassword: 'boolean: whether the password must be changed at next login',
      credentialRef: REF,
      createdAt: 'number: epoch ms the user was created',
      updatedAt: 'number: epoch ms the user last changed',
    },
    example: {
      userId: USER_ID,
      username: 'dora',
      role: 'developer',
      mustChangePassword: false,
      credentialRef: 'c1f0a3e2-0b6d-4b8e-9a51-2f4c6d8e0a11',
      createdAt: 1764000000000,
      updatedAt: 1764100000000,
    },
  },
  {
    type: GatewayEventType.tokenIssued,
    version: 1,
    owner: OWNER,
    subject: TOKENS,
    description: 'An API token was created for a user.',
    fields: {
      tokenId: 'string: the token id',
      userId: 'string: its owner',
      name: 'string: what it is for',
      scope: 'string: read-write or read-only',
      prefix: 'string: the first characters of the token, to recognise it',
      expiresAt: 'number or null: epoch ms it expires, or null for never',
      secretRef: REF,
    },
    example: {
      tokenId: TOKEN_ID,
      userId: USER_ID,
      name: 'ci',
      scope: 'read-write',
      prefix: 'msec_8JkQ2xw',
      expiresAt: 1771776000000,
      secretRef: 'e3f2c5a4-2d8f-4da0-9c73-4b6e8fa02c33',
    },
  },
  {
    type: GatewayEventType.tokenRevoked,
    version: 1,
    owner: OWNER,
    subject: TOKENS,
    description: 'An API token was revoked.',
    fields: { tokenId: 'string: the token id', userId: 'string: its owner' },
    example: { tokenId: TOKEN_ID, userId: USER_ID },
  },
  {
    type: GatewayEventType.tokenImported,
    version: 1,
    owner: OWNER,
    subject: TOKENS,
    description: 'An API token stored by an older gateway was carried into the event stream as it stood, once, on upgrade.',
    fields: {
      tokenId: 'string: the token id',
      userId: 'string: its owner',
      name: 'string: what it is for',
      scope: 'string: read-write or read-only',
      prefix: 'string: the first characters of the token',
      expiresAt: 'number or null: epoch ms it expires',
      secretRef: REF,
      createdAt: 'number: epoch ms it was created',
      revokedAt: 'number or null: epoch ms it was revoked',
    },
    example: {
      tokenId: TOKEN_ID,
      userId: USER_ID,
      name: 'ci',
      scope: 'read-write',
      prefix: 'msec_8JkQ2xw',
      expiresAt: null,
      secretRef: 'e3f2c5a4-2d8f-4da0-9c73-4b6e8fa02c33',
      createdAt: 1764000000000,
      revokedAt: null,
    },
  },
];
