// Checks the fields that tell the credential helpers (git, docker) where a token is presented and as
// whom: `urls` and `username`. Apart from validate.ts so that file stays readable; the same rules
// whatever the token's type. A token goes only where its owner listed it, so a URL that would send it
// in clear text over the network, or that hides a password, is refused rather than warned about.

import { isLoopbackHost } from '../protocol';
import type { Report } from './fieldReaders';

/** At most this many prefixes per token: more is a sign of a config generated wrong. */
const maxUrls = 64;

/** The validated fields, to spread into the definition; each is absent when not given. */
export function consumerFields(
  raw: Record<string, unknown>,
  report: Report,
): { urls?: string[]; username?: string } {
  const urls = urlsField(raw.urls, report);
  const username = usernameField(raw.username, report);
  return { ...(urls !== undefined && { urls }), ...(username !== undefined && { username }) };
}

function urlsField(value: unknown, report: Report): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > maxUrls) {
    report(
      'error',
      'urls',
      `"urls" must be an array of 1 to ${maxUrls} URL prefixes, like ["https://git.example.com/team/"]`,
    );
    return undefined;
  }
  const urls: string[] = [];
  for (const [index, item] of value.entries()) {
    const problem = urlProblem(item);
    if (problem !== undefined) {
      report('error', 'urls', `"urls"[${index}] ${problem}`);
      return undefined;
    }
    urls.push(item as string);
  }
  return urls;
}

/** Why a `urls` entry is refused, or undefined. Never echoes the value: it might carry a password. */
export function urlProblem(item: unknown): string | undefined {
  if (typeof item !== 'string' || !URL.canParse(item))
    return 'must be an absolute URL such as "https://git.example.com/team/"';
  const url = new URL(item);
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))))
    return 'must be an https URL (http is allowed only on loopback addresses, where nobody listens in)';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

function usernameField(value: unknown, report: Report): string | undefined {
  if (value === undefined) return undefined;
  // Basic authentication joins the user name and the token with ':', and the git credential protocol
  // ends each value at a newline: either would let one field spill into another.
  if (typeof value !== 'string' || !/^[^\s:\0]{1,256}$/.test(value)) {
    report(
      'error',
      'username',
      '"username" must be 1 to 256 characters without spaces, newlines or \':\', like "x-access-token"',
    );
    return undefined;
  }
  return value;
}
