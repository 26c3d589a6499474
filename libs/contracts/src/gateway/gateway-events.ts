/** Gateway event types: console users, their roles and passwords, and API tokens. */
export const GatewayEventType = {
  userCreated: 'gateway.UserCreated',
  userPasswordChanged: 'gateway.UserPasswordChanged',
  userRoleChanged: 'gateway.UserRoleChanged',
  userDeleted: 'gateway.UserDeleted',
  userImported: 'gateway.UserImported',
  tokenIssued: 'gateway.TokenIssued',
  tokenRevoked: 'gateway.TokenRevoked',
  tokenImported: 'gateway.TokenImported',
} as const;
/** One of GatewayEventType. */
export type GatewayEventType = (typeof GatewayEventType)[keyof typeof GatewayEventType];

/** Event-store subjects of the gateway's events: one aggregate for users, one for API tokens. */
export const GatewayEventSubjects = {
  users: 'gateway.users',
  tokens: 'gateway.tokens',
  all: 'gateway.>',
} as const;

/** Payloads by gateway event type. Password and token hashes stay out: events name them by reference. */
export interface GatewayEventPayloads {
  'gateway.UserCreated': { userId: string; username: string; role: string; mustChangePassword: boolean; credentialRef: string };
  'gateway.UserPasswordChanged': { userId: string; credentialRef: string; mustChangePassword: boolean };
  'gateway.UserRoleChanged': { userId: string; role: string };
  'gateway.UserDeleted': { userId: string };
  'gateway.UserImported': {
    userId: string;
    username: string;
    role: string;
    mustChangePassword: boolean;
    credentialRef: string;
    createdAt: number;
    updatedAt: number;
  };
  'gateway.TokenIssued': {
    tokenId: string;
    userId: string;
    name: string;
    scope: string;
    prefix: string;
    expiresAt: number | null;
    secretRef: string;
  };
  'gateway.TokenRevoked': { tokenId: string; userId: string };
  'gateway.TokenImported': {
    tokenId: string;
    userId: string;
    name: string;
    scope: string;
    prefix: string;
    expiresAt: number | null;
    secretRef: string;
    createdAt: number;
    revokedAt: number | null;
  };
}
