/** Gateway event types: console users, their roles and passwords, API tokens, event webhooks and the audit trail. */
export const GatewayEventType = {
  userCreated: 'gateway.UserCreated',
  userPasswordChanged: 'gateway.UserPasswordChanged',
  userRoleChanged: 'gateway.UserRoleChanged',
  userDeleted: 'gateway.UserDeleted',
  userImported: 'gateway.UserImported',
  tokenIssued: 'gateway.TokenIssued',
  tokenRevoked: 'gateway.TokenRevoked',
  tokenImported: 'gateway.TokenImported',
  webhookCreated: 'gateway.WebhookCreated',
  webhookDeleted: 'gateway.WebhookDeleted',
  webhookImported: 'gateway.WebhookImported',
  callAudited: 'gateway.CallAudited',
  auditImported: 'gateway.AuditImported',
} as const;
/** One of GatewayEventType. */
export type GatewayEventType = (typeof GatewayEventType)[keyof typeof GatewayEventType];

/** Subjects of the gateway's events: one aggregate each for users, API tokens and webhooks, and the audit trail. */
export const GatewayEventSubjects = {
  users: 'gateway.users',
  tokens: 'gateway.tokens',
  webhooks: 'gateway.webhooks',
  /** Every subject of the gateway's events in the event store (users, tokens, webhooks). */
  all: 'gateway.>',
  /** The audit trail, in the audit stream (`msec.audit.gateway.calls`), not the event store. */
  audit: 'gateway.calls',
} as const;

/** One mutating call as the audit trail keeps it (never the request body). */
export interface AuditedCall {
  /** Epoch ms the call arrived. */
  at: number;
  /** The user (or the login name tried, or `anonymous`). */
  actor: string;
  role: string;
  /** `session` or `token`, `-` when not logged in. */
  via: string;
  method: string;
  path: string;
  status: number;
  /** `ok`, the error code, or `HTTP_<status>`. */
  result: string;
  ip: string;
  requestId: string;
  detail: string | null;
}

/** A webhook's settings as its events carry them: the URL and the signing secret stay in the gateway's database. */
export interface WebhookSettings {
  webhookId: string;
  /** Host of the receiving URL (the full URL may hold a credential, so it stays out of events). */
  urlHost: string;
  eventTypes: string[];
  maxAttempts: number;
  createdBy: string;
}

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
  'gateway.WebhookCreated': WebhookSettings;
  'gateway.WebhookDeleted': { webhookId: string };
  'gateway.WebhookImported': WebhookSettings & { createdAt: number };
  'gateway.CallAudited': AuditedCall;
  /** An entry of an older gateway's audit log, with the id it had (kept, so links and cursors still work). */
  'gateway.AuditImported': AuditedCall & { formerId: number };
}
