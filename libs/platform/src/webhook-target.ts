import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * True for addresses a webhook (an alarm rule's, an event webhook's) must not reach unless an admin allows it: loopback,
 * unspecified, link-local (which holds the cloud metadata service, 169.254.169.254) and their IPv6 and IPv4-mapped forms.
 * A webhook's author could otherwise make the platform send requests to services that trust the machine they run on.
 */
export function isInternalAddress(address: string): boolean {
  const ip = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return a === 127 || a === 0 || (a === 169 && b === 254);
  }
  if (isIP(ip) === 6) return ip === '::1' || ip === '::' || /^fe[89ab][0-9a-f]:/.test(ip);
  return false;
}

/** The first internal address the URL's host resolves to, or undefined when every address is outside. */
export async function internalAddressOf(url: string): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  return addresses.find(isInternalAddress);
}

/** What a webhook URL's host turned out to be when a rule was saved. */
export type WebhookTarget = { kind: 'outside' } | { kind: 'internal'; address: string } | { kind: 'unresolved'; reason: string };

/**
 * Where a webhook URL leads, for checking a rule as it is saved: a literal address or `localhost` is judged as
 * written, a host name is resolved (within `timeoutMs`). A name that does not resolve now is reported as such,
 * not refused: DNS may differ where and when the webhook is sent, and the send-time check still applies.
 */
export async function webhookTargetOf(url: string, timeoutMs = 2000): Promise<WebhookTarget> {
  // `localhost.` is the same name as `localhost`, fully qualified
  const host = new URL(url).hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return { kind: 'internal', address: host };
  let timer: NodeJS.Timeout | undefined;
  try {
    const addresses = isIP(host)
      ? [host]
      : await Promise.race([
          resolve(host),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
    const address = addresses.find(isInternalAddress);
    return address === undefined ? { kind: 'outside' } : { kind: 'internal', address };
  } catch (error) {
    return { kind: 'unresolved', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function resolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}
