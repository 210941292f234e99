// The building blocks of the labelled corpus (secretCorpus.ts) and of its provider sample groups
// (corpus/*.ts): a seeded random source, alphabets, and renderers that write a value into a line of
// a language. Kept apart so that a sample group can use them without importing the corpus itself.
import type { Language } from './corpusFiller';

export interface Rng {
  next(): number;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function rng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}

export const alphabets = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upperDigits: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  hex: '0123456789abcdef',
  b64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  b64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  digits: '0123456789',
  bech32: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L',
  azure: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-',
  password: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%^*-_+=',
};

export function randomString(r: Rng, length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[r.int(alphabet.length)];
  return out;
}

export const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function makeJwt(
  r: Rng,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' },
) {
  return `${b64url(header)}.${b64url(claims)}.${randomString(r, 86, alphabets.b64url)}`;
}

/** A planted value: how it is written into a file, and which rule must report it. */
export interface Sample {
  value: string;
  /** Writes the value into a line of the given language; defaults to a neutral assignment. */
  render?: (value: string, language: Language, r: Rng) => string;
}

export type Gen = (r: Rng) => Sample;
export const s = (value: string): Sample => ({ value });
export const rs = randomString;
export const A = alphabets;

/** Renders a value assigned to a neutral (not secret-like) name, so only the value can match. */
export function neutral(value: string, language: Language, r: Rng): string {
  const name = r.pick(['value', 'cfg', 'fixture', 'defaultHeader', 'data', 'item', 'settingOne']);
  switch (language) {
    case 'ts':
      return r.next() < 0.5 ? `const ${name} = "${value}";` : `client.use({ ${name}: '${value}' });`;
    case 'py':
      return `${name} = '${value}'`;
    case 'go':
      return `\t${name} := "${value}"`;
    case 'yaml':
      return `  ${name}: ${value}`;
    case 'json':
      return `  "${name}": "${value}",`;
    case 'sh':
      return r.next() < 0.5
        ? `curl -H "Authorization: token ${value}" https://api.internal/v1/me`
        : `export ${name.toUpperCase()}=${value}`;
    case 'env':
      return `${name.toUpperCase()}=${value}`;
  }
}

export function named(names: readonly string[]) {
  return (value: string, language: Language, r: Rng): string => {
    const name = r.pick(names);
    switch (language) {
      case 'ts':
        return `const ${name} = "${value}";`;
      case 'py':
        return `${name} = "${value}"`;
      case 'go':
        return `\t${name} := "${value}"`;
      case 'yaml':
        return `${name}: ${value}`;
      case 'json':
        return `  "${name}": "${value}",`;
      case 'sh':
      case 'env':
        return `${name.toUpperCase()}=${value}`;
    }
  };
}
