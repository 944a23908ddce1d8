import { isIP } from 'node:net';
import { reportExpected, type Read } from './reader.js';
import type { HostPort } from './types.js';

const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * `host:port` or `[ipv6]:port`, port 0-65535 (0 asks the system for a free port, which tests
 * use). Returns null when the text is not such an address.
 */
function parseListenAddress(text: string): HostPort | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const [, bracketed, plain, portText] = match;
  const port = Number(portText);
  if (port > 65535) return null;
  if (bracketed !== undefined) return isIP(bracketed) === 6 ? { host: bracketed, port } : null;
  if (plain === undefined || (isIP(plain) !== 4 && !hostName.test(plain))) return null;
  return { host: plain, port };
}

/**
 * Whether traffic to this host never leaves the machine: 127.0.0.0/8, ::1 (also IPv4-mapped)
 * and `localhost`. Only such addresses may go without TLS or use an http issuer.
 */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (lower === 'localhost' || lower === '::1') return true;
  const ipv4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return isIP(ipv4) === 4 && ipv4.startsWith('127.');
}

/** An https URL, or http on a loopback host (tests, the demo, a local relay). */
export function isSecureUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

export const listenAddress: Read<HostPort> = (value, path, context) => {
  const address = typeof value === 'string' ? parseListenAddress(value) : null;
  if (address) return address;
  reportExpected(context, path, 'host:port or [ipv6]:port with a port 0-65535', value);
  return { host: '', port: 0 };
};
