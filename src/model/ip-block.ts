/**
 * IP addresses and CIDR blocks as 128-bit numbers (IPv4 as IPv4-mapped IPv6), so `10.0.0.0/8`
 * matches a client seen as `::ffff:10.1.2.3`. Pure code: the model uses no Node APIs.
 */
export interface IpBlock {
  readonly source: string;
  readonly base: bigint;
  readonly prefix: number;
}

const V4_MAPPED = 0xffffn << 32n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) groups.push(BigInt(`0x${part}`));
    else return undefined;
  }
  return groups;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = parseGroups(halves[1] ?? '');
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

/** The address as a 128-bit number, or undefined when it is not an IP address. */
export function parseIp(text: string): bigint | undefined {
  const unbracketed = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const v4 = parseV4(unbracketed);
  if (v4 !== undefined) return V4_MAPPED | v4;
  return parseV6(unbracketed);
}

/** Parses "10.0.0.0/8", "::1" or "127.0.0.2"; undefined when it is neither an address nor a block. */
export function parseIpBlock(text: string): IpBlock | undefined {
  const [address = '', prefixText, ...rest] = text.split('/');
  if (rest.length > 0) return undefined;
  const base = parseIp(address);
  if (base === undefined) return undefined;
  const isV4 = parseV4(address) !== undefined;
  const width = isV4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const bits = prefixText === undefined ? width : Number(prefixText);
  if (bits > width) return undefined;
  const prefix = isV4 ? bits + 96 : bits;
  return { source: text, base: base & mask(prefix), prefix };
}

function mask(prefix: number): bigint {
  const all = (1n << 128n) - 1n;
  return (all >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

export function blockContains(block: IpBlock, address: bigint): boolean {
  return (address & mask(block.prefix)) === block.base;
}
