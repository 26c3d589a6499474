import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header value of `body` sent at `timestamp` (Unix seconds): `sha256=<hex HMAC of "<timestamp>.<body>">`. */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when `signature` is the one `secret` gives for `timestamp` and `body` (compared in constant time). */
export function verifyWebhookSignature(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Delay before retry `attempt` (1-based) of a failed delivery: 1 s, 2 s, 4 s, … at most 5 minutes. */
export function webhookBackoffMs(attempt: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 300_000);
}
