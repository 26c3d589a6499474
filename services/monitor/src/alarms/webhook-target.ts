import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * True for addresses an alarm webhook must not reach unless an admin allows it: loopback, unspecified, link-local
 * (which holds the cloud metadata service, 169.254.169.254) and their IPv6 and IPv4-mapped forms. A rule's author
 * could otherwise make the monitor send requests to services that trust the machine they run on.
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
