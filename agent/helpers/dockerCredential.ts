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

import { matchRemote } from '../daemon/served';
import { describeFailure, failureOf } from './answer';
import { type DockerAnswer, dockerFail, dockerGetAnswer, noServerUrl, registryOf } from './dockerWire';
import { credentialOf, type TokenSource } from './source';

export { type DockerAnswer, notFoundMessage, registryOf } from './dockerWire';

export async function dockerCredential(
  action: string,
  stdin: string,
  source: TokenSource,
  options: { minValidSeconds: number },
): Promise<DockerAnswer> {
  const fail = dockerFail;
  try {
    switch (action) {
      case 'get': {
        const registry = registryOf(stdin);
        if (registry === undefined) return fail(noServerUrl);
        return dockerGetAnswer(
          stdin,
          registry,
          await credentialOf(source, registry, options.minValidSeconds),
        );
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
    return fail(`token-agent: ${describeFailure(failureOf(error))}`);
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
