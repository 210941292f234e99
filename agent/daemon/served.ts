// Which token a credential helper presents to a remote: the definitions' `urls` prefixes, matched
// against what git or docker asks for. Pure, so every edge is unit-tested; the helpers get the
// definitions from the agent (raw config entries) or, with --no-agent, from the validated config.
// It lives with the agent's routes because the agent answers `GET /v1/credential` with it: matching is
// the agent's, and the helpers (above) ask it.

import { defaultUsername, type TokenDefinition } from '../config/types';
import type { DefinitionList } from '../protocol';
import type { CredentialAnswer, Remote, TokenAnswer } from './api';

/** A token some remote may be given: its name, the prefixes it serves and the user name to show. */
export interface ServedToken {
  name: string;
  urls: readonly string[];
  username: string;
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
 * The agent's answer about `remote`: the matching token and, asked of `token`, its value. A failure
 * to get it is the answer's `error`, as `failure` words it (which may rethrow what must not be told).
 */
export async function resolveCredential(
  served: readonly ServedToken[],
  remote: Remote,
  token: (name: string) => Promise<TokenAnswer>,
  failure: (error: unknown) => { code?: string; message: string },
): Promise<CredentialAnswer> {
  const match = matchRemote(served, remote);
  if (match.kind === 'none') return { match: 'none' };
  if (match.kind === 'ambiguous') return { match: 'ambiguous', names: match.names };
  const { name, username } = match.token;
  try {
    return { match: 'token', name, username, token: await token(name) };
  } catch (error) {
    return { match: 'token', name, username, error: failure(error) };
  }
}
