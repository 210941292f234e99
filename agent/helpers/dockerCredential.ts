// Docker's credential helper protocol (docker-credential-helpers): `docker-credential-token-agent
// ACTION`, the server URL (get, erase) or a JSON credential (store) on stdin, JSON on stdout, and on
// failure a message on stdout and exit 1. Registries are matched by host through the definitions'
// `urls`. Pure apart from the TokenSource it is handed.
//
// Choices, and why:
// - `get` for a registry no definition serves answers docker's own "not found" message, which docker
//   treats as "no credentials" rather than an error.
// - `store` stores nothing: the agent obtains the token. It answers an error naming the token (or
//   saying none serves the registry), so `docker login` does not claim to have kept a password.
// - `erase` (`docker logout`) succeeds and does nothing: a logout says nothing about the token.
// - `list` shows each served URL with its user name, never a token.

import { matchRemote, type Remote } from './served';
import type { TokenSource } from './source';

/** Docker compares this text to tell "no credentials" from a failure. */
export const notFoundMessage = 'credentials not found in native keychain';

export interface DockerAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The registry's host from what docker sends: `registry.example.com`, `https://host:5000/v2/`, … */
export function registryOf(serverUrl: string): Remote | undefined {
  const text = serverUrl.trim();
  if (text === '') return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  if (!URL.canParse(withScheme)) return undefined;
  const url = new URL(withScheme);
  if (url.host === '' || url.username !== '' || url.password !== '') return undefined;
  // By host alone: docker's server URLs carry paths (`/v1/`) that name no repository.
  return { host: url.host };
}

export async function dockerCredential(
  action: string,
  stdin: string,
  source: TokenSource,
  options: { minValidSeconds: number },
): Promise<DockerAnswer> {
  const fail = (message: string): DockerAnswer => ({ stdout: `${message}\n`, stderr: '', exitCode: 1 });
  try {
    switch (action) {
      case 'get': {
        const registry = registryOf(stdin);
        if (registry === undefined) return fail('no server URL was given on stdin');
        const match = matchRemote(await source.served(), registry);
        if (match.kind === 'ambiguous')
          return fail(
            `tokens ${match.names.join(', ')} all serve ${registry.host}: keep that host in one token's "urls"`,
          );
        if (match.kind === 'none') return fail(notFoundMessage);
        const token = await source.token(match.token.name, options.minValidSeconds);
        const answer = {
          ServerURL: stdin.trim(),
          Username: match.token.username,
          Secret: token.access_token,
        };
        return { stdout: `${JSON.stringify(answer)}\n`, stderr: '', exitCode: 0 };
      }
      case 'store': {
        const serverUrl = serverUrlOfStore(stdin);
        const registry = serverUrl === undefined ? undefined : registryOf(serverUrl);
        const match = registry === undefined ? undefined : matchRemote(await source.served(), registry);
        return fail(
          match?.kind === 'token'
            ? `token-agent stores no registry passwords: ${registry?.host} gets token '${match.token.name}' from the agent; no docker login is needed`
            : 'token-agent stores no registry passwords: map this registry to another helper in ~/.docker/config.json',
        );
      }
      case 'erase':
        return { stdout: '', stderr: '', exitCode: 0 };
      case 'list': {
        const listing: Record<string, string> = {};
        for (const token of await source.served())
          for (const url of token.urls) listing[url] = token.username;
        return { stdout: `${JSON.stringify(listing)}\n`, stderr: '', exitCode: 0 };
      }
      default:
        return fail(`unknown action '${action.slice(0, 40)}': use get, store, erase or list`);
    }
  } catch (error) {
    const coded = error as { code?: unknown; message?: unknown };
    const code = typeof coded.code === 'string' && coded.code.startsWith('ERR_') ? `${coded.code}: ` : '';
    return fail(`token-agent: ${code}${typeof coded.message === 'string' ? coded.message : String(error)}`);
  }
}

function serverUrlOfStore(stdin: string): string | undefined {
  try {
    const parsed = JSON.parse(stdin) as { ServerURL?: unknown };
    return typeof parsed.ServerURL === 'string' ? parsed.ServerURL : undefined;
  } catch {
    return undefined;
  }
}
