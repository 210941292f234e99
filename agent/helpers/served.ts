// Which token a credential helper presents to a remote: the definitions' `urls` prefixes, matched
// against what git or docker asks for. Pure, so every edge is unit-tested; the helpers get the
// definitions from the agent (raw config entries) or, with --no-agent, from the validated config.

import { defaultUsername, type TokenDefinition } from '../config/types';
import type { TokenAnswer } from '../daemon/api';
import type { DefinitionList } from '../protocol';

/** A token some remote may be given: its name, the prefixes it serves and the user name to show. */
export interface ServedToken {
  name: string;
  urls: readonly string[];
  username: string;
}

/** What a helper is asked about: git's protocol, host (with port) and, with useHttpPath, the path. */
export interface Remote {
  /** `https`, `http`; undefined matches any (docker names registries by host alone). */
  protocol?: string;
  /** Host and port as the remote's URL has them (`git.example.com`, `127.0.0.1:8080`). */
  host: string;
  /** The path without its leading '/', when the caller sends one. */
  path?: string;
}

export type Match =
  | { kind: 'token'; token: ServedToken }
  | { kind: 'none' }
  /** Several tokens serve the host and no path tells them apart. */
  | { kind: 'ambiguous'; names: string[] };

/** The tokens of valid definitions that name `urls`; a broken entry serves nobody. */
export function servedFromList(list: DefinitionList): ServedToken[] {
  return list.tokens.flatMap(({ name, entry, problems }) => {
    if (problems !== undefined && problems.length > 0) return [];
    const urls = entry.urls;
    if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) return [];
    const username = typeof entry.username === 'string' ? entry.username : defaultUsername;
    return [{ name, urls: urls as string[], username }];
  });
}

export function servedFromConfig(tokens: readonly TokenDefinition[]): ServedToken[] {
  return tokens.flatMap((token) =>
    token.urls === undefined
      ? []
      : [{ name: token.name, urls: token.urls, username: token.username ?? defaultUsername }],
  );
}

interface Prefix {
  token: ServedToken;
  protocol: string;
  host: string;
  /** The prefix's path without a trailing '/': '' for a whole host. */
  path: string;
}

/**
 * The token for `remote`. With a path, the longest prefix that contains it on a segment boundary
 * (`/team` serves `/team/app.git`, never `/teamwork`). Without one (git's default, and docker), a
 * prefix for the whole host wins; else the one token with any prefix on that host; several such
 * tokens are ambiguous, and the caller says to turn on git's `credential.useHttpPath`.
 */
export function matchRemote(served: readonly ServedToken[], remote: Remote): Match {
  const host = normaliseHost(remote.host, remote.protocol);
  if (host === undefined) return { kind: 'none' };
  const onHost = prefixes(served).filter(
    (prefix) =>
      prefix.host === host && (remote.protocol === undefined || prefix.protocol === remote.protocol),
  );
  if (remote.path !== undefined) {
    const path = `/${remote.path}`.replace(/\/+$/, '');
    const best = onHost
      .filter((prefix) => prefix.path === '' || path === prefix.path || path.startsWith(`${prefix.path}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    return best ? { kind: 'token', token: best.token } : { kind: 'none' };
  }
  const whole = onHost.find((prefix) => prefix.path === '');
  if (whole) return { kind: 'token', token: whole.token };
  const names = [...new Set(onHost.map((prefix) => prefix.token.name))];
  if (names.length === 0) return { kind: 'none' };
  const only = onHost[0];
  if (names.length === 1 && only) return { kind: 'token', token: only.token };
  return { kind: 'ambiguous', names };
}

function prefixes(served: readonly ServedToken[]): Prefix[] {
  return served.flatMap((token) =>
    token.urls.flatMap((text) => {
      if (!URL.canParse(text)) return [];
      const url = new URL(text);
      const protocol = url.protocol.replace(/:$/, '');
      return [{ token, protocol, host: url.host.toLowerCase(), path: url.pathname.replace(/\/+$/, '') }];
    }),
  );
}

/** `host[:port]` as the URL parser writes it (lower case, default port dropped), or undefined. */
function normaliseHost(host: string, protocol = 'https'): string | undefined {
  const text = `${protocol}://${host}/`;
  if (host === '' || /[/\\@?#\s]/.test(host) || !URL.canParse(text)) return undefined;
  return new URL(text).host.toLowerCase();
}

/**
 * The expiry to report to git and kubectl, in Unix seconds: from when the agent refreshes the token,
 * so that the consumer asks again in time and gets the new one. When that point has passed (a refresh
 * failed and this is still the freshest token), the real expiry; undefined when it is unknown.
 */
export function reportedExpiry(answer: TokenAnswer, nowSeconds: number): number | undefined {
  if (answer.refresh_at !== undefined && answer.refresh_at > nowSeconds) return answer.refresh_at;
  return answer.expires_at;
}
