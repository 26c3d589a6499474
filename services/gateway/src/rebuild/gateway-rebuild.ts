import { Inject, Injectable } from '@nestjs/common';
import { AuditDomain } from '../audit/audit.domain.js';
import { AuthEvents } from '../auth/auth-events.js';
import { WebhookEvents } from '../webhooks/webhook-events.js';

/** What a rebuild of the gateway's read models replayed: rows of each. */
export interface GatewayRebuildResult {
  users: number;
  tokens: number;
  webhooks: number;
  auditEntries: number;
}

/** Rebuilds every read model of the gateway from its events: users and tokens, webhooks, the audit log. */
@Injectable()
export class GatewayRebuild {
  constructor(
    @Inject(AuthEvents) private readonly auth: AuthEvents,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
    @Inject(AuditDomain) private readonly audit: AuditDomain,
  ) {}

  async rebuild(): Promise<GatewayRebuildResult> {
    const { users, tokens } = await this.auth.rebuild();
    const { webhooks } = await this.webhooks.rebuild();
    const { auditEntries } = await this.audit.rebuild();
    return { users, tokens, webhooks, auditEntries };
  }
}
