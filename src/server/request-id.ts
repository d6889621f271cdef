const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/**
 * Request ids in Toxiproxy's format: xids, 12 bytes written as 20 base32hex characters (4 bytes
 * of seconds since the epoch, 5 bytes fixed per process, a 3-byte counter), so they sort by
 * time and never repeat within a process. They identify log lines; they are not secrets, so
 * they need no node:crypto.
 */
export function createRequestIds(now: () => number = Date.now): () => string {
  const bytes = new Uint8Array(12);
  for (let index = 4; index < 9; index++) bytes[index] = Math.floor(Math.random() * 256);
  let counter = Math.floor(Math.random() * 0x1000000);
  return () => {
    const seconds = Math.floor(now() / 1000);
    bytes[0] = (seconds >>> 24) & 0xff;
    bytes[1] = (seconds >>> 16) & 0xff;
    bytes[2] = (seconds >>> 8) & 0xff;
    bytes[3] = seconds & 0xff;
    counter = (counter + 1) & 0xffffff;
    bytes[9] = counter >>> 16;
    bytes[10] = (counter >>> 8) & 0xff;
    bytes[11] = counter & 0xff;
    return base32hex(bytes);
  };
}

/** 96 bits as 20 characters of 5 bits, the last one padded with zero bits (as xid does). */
function base32hex(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  return bits > 0 ? text + ALPHABET[(buffer << (5 - bits)) & 31] : text;
}
