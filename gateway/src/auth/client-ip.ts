import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The client address a request is attributed to (anonymous rate limits, X-Forwarded-For upstream).
 * The TCP peer, unless the peer is a trusted proxy (TRUST_PROXY CIDRs): then X-Forwarded-For is
 * walked from the right, skipping trusted proxies, and the first untrusted address is the client.
 * Entries left of it are client-supplied and never believed.
 */
export class ClientIpResolver {
  readonly #trusted: BlockList | null;

  constructor(trustProxy: readonly string[]) {
    if (trustProxy.length === 0) {
      this.#trusted = null;
      return;
    }
    const list = new BlockList();
    for (const cidr of trustProxy) {
      const slash = cidr.indexOf('/');
      const address = normalizeIp(slash === -1 ? cidr : cidr.slice(0, slash));
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const bits = slash === -1 ? (family === 'ipv6' ? 128 : 32) : Number(cidr.slice(slash + 1));
      list.addSubnet(address, bits, family);
    }
    this.#trusted = list;
  }

  /** True when some proxy is trusted (X-Forwarded-For can matter). */
  get trustsProxies(): boolean {
    return this.#trusted !== null;
  }

  resolve(req: IncomingMessage): string {
    const peer = normalizeIp(req.socket.remoteAddress ?? '');
    const trusted = this.#trusted;
    if (trusted === null || !this.#isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp((hops[i] as string).trim());
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.#isTrusted(hop)) return hop;
    }
    return client;
  }

  #isTrusted(ip: string): boolean {
    const family = isIP(ip);
    if (family === 0 || this.#trusted === null) return false;
    return this.#trusted.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; IPv6 zone ids dropped. */
export function normalizeIp(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  const zone = ip.indexOf('%');
  return zone === -1 ? ip : ip.slice(0, zone);
}

/**
 * What an anonymous caller's limit counts by: the IPv4 address, or the /64 of an IPv6 address
 * (one subscriber usually owns a whole /64, so per-address limits would be trivial to evade).
 */
export function anonymousSubject(ip: string): string {
  if (!ip.includes(':')) return `ip:${ip}`;
  return `ip6:${ipv6Prefix64(ip)}`;
}

function ipv6Prefix64(ip: string): string {
  const double = ip.indexOf('::');
  let groups: string[];
  if (double === -1) {
    groups = ip.split(':');
  } else {
    const head = ip.slice(0, double) === '' ? [] : ip.slice(0, double).split(':');
    const tail = ip.slice(double + 2) === '' ? [] : ip.slice(double + 2).split(':');
    groups = [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  }
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/64`;
}
