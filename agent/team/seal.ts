// Encryption of what the team keeps in Redis: AES-256-GCM with the team key, a fresh 96-bit nonce per
// record, and the Redis key the record lives under as additional data, so that a record copied to
// another key (another token's) fails to open instead of being taken for that token's.
//
// Sealed text: `tae1.KID.BASE64URL(nonce ‖ tag ‖ ciphertext)`, where KID identifies the key (an HMAC
// of a constant, not the key), so that "sealed with another team key" can be told from "corrupt".
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const version = 'tae1';
const nonceBytes = 12;
const tagBytes = 16;

export class TeamKey {
  readonly id: string;
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
    this.id = createHmac('sha256', key).update('token-agent team key id').digest('hex').slice(0, 8);
  }

  /** 32 bytes written as base64 (standard or URL-safe) or as 64 hex digits. Throws a TypeError otherwise. */
  static parse(text: string): TeamKey {
    const trimmed = text.trim();
    const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
      ? Buffer.from(trimmed, 'hex')
      : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
        ? Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
        : undefined;
    // The message never quotes the value: it is the key.
    if (bytes?.length !== 32) throw new TypeError('the team key must be 32 bytes, written as base64 or hex');
    return new TeamKey(bytes);
  }

  seal(plaintext: string, where: string): string {
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(where));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${version}.${this.id}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or why it cannot be had: another team key, or a record that is not ours or corrupt. */
  open(sealed: string, where: string): { text: string } | { problem: 'other-key' | 'corrupt' } {
    const [head, kid, data, ...rest] = sealed.split('.');
    if (head !== version || kid === undefined || data === undefined || rest.length > 0)
      return { problem: 'corrupt' };
    if (kid !== this.id) return { problem: 'other-key' };
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < nonceBytes + tagBytes) return { problem: 'corrupt' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, nonceBytes));
      decipher.setAAD(Buffer.from(where));
      decipher.setAuthTag(raw.subarray(nonceBytes, nonceBytes + tagBytes));
      const text = Buffer.concat([
        decipher.update(raw.subarray(nonceBytes + tagBytes)),
        decipher.final(),
      ]).toString('utf8');
      return { text };
    } catch {
      return { problem: 'corrupt' };
    }
  }

  /** A keyed digest of a secret, to tell whether two copies are the same without storing either. */
  digest(secret: string): string {
    return createHmac('sha256', this.#key).update(secret).digest('base64url').slice(0, 22);
  }
}
