import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { GatewayConfig } from '../../src/config/gateway.config.js';
import { signWebhookBody, verifyWebhookSignature, webhookBackoffMs } from '../../src/webhooks/webhook-signature.js';
import type { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import type { WebhookEvents } from '../../src/webhooks/webhook-events.js';
import { WebhooksDomain } from '../../src/webhooks/webhooks.domain.js';

describe('webhooks', () => {
  it('webhooks - the signature is the HMAC-SHA256 of "timestamp.body"; another body, time or secret does not verify', () => {
    const body = '{"id":"e1"}';
    const expected = `sha256=${createHmac('sha256', 'whsec_k').update(`1700000000.${body}`).digest('hex')}`;
    assert.equal(signWebhookBody('whsec_k', 1_700_000_000, body), expected);
    assert.ok(verifyWebhookSignature('whsec_k', 1_700_000_000, body, expected));
    assert.ok(!verifyWebhookSignature('whsec_k', 1_700_000_001, body, expected));
    assert.ok(!verifyWebhookSignature('whsec_k', 1_700_000_000, '{"id":"e2"}', expected));
    assert.ok(!verifyWebhookSignature('whsec_other', 1_700_000_000, body, expected));
  });

  it('webhooks - retries back off 1 s, 2 s, 4 s … and never wait more than 5 minutes', () => {
    assert.deepEqual([1, 2, 3, 4].map(webhookBackoffMs), [1_000, 2_000, 4_000, 8_000]);
    assert.equal(webhookBackoffMs(30), 300_000);
  });

  it('webhooks - a URL reaching loopback or metadata is refused unless internal addresses are allowed', async () => {
    // The URL is checked before anything is stored: no database or dispatcher is reached.
    const domain = new WebhooksDomain(
      {} as DataSource,
      {} as WebhookEvents,
      {} as WebhookDispatcher,
      { webhookAllowInternal: false } as GatewayConfig,
    );
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://169.254.169.254/latest', 'http://[::1]/x']) {
      await assert.rejects(
        domain.create({ url, eventTypes: ['registry.InstanceEnabled'] }, 'admin'),
        (e: { data?: { field?: string }; message?: string }) =>
          e.data?.field === 'body.url' && /MSEC_GATEWAY_WEBHOOK_ALLOW_INTERNAL/.test(e.message ?? ''),
        url,
      );
    }
    await assert.rejects(
      domain.create({ url: 'file:///etc/passwd', eventTypes: ['registry.InstanceEnabled'] }, 'admin'),
      (e: { data?: { field?: string } }) => e.data?.field === 'body.url',
    );
  });
});
