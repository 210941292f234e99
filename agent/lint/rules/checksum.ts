// The checksum GitHub and npm put in their tokens ("Behind GitHub's new authentication token
// formats", github.blog 2021-04-05; "Announcing npm's new access token format", github.blog
// 2021-09-23): the last 6 characters are the CRC32 of the 30 random characters before them, in
// base62 (0-9, A-Z, a-z), left-padded with `0`. A made-up or altered token fails it.

const table = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c;
}

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) crc = (crc >>> 8) ^ (table[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0);
  return (crc ^ -1) >>> 0;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `value` in base62, left-padded with `0` to `width` characters. */
export function toBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  do {
    out = base62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, '0');
}

/** Whether `token` (prefix, then `body` random characters, then 6 checksum characters) checks out. */
export function hasValidCrcChecksum(token: string, prefixLength: number): boolean {
  const body = token.slice(prefixLength, -6);
  return toBase62(crc32(body), 6) === token.slice(-6);
}
