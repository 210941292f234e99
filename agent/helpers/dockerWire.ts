// Docker's credential helper protocol on the wire (docker-credential-helpers): what `get` reads on
// stdin and prints for the agent's answer. Pure and free of the engine: the full CLI
// (dockerCredential.ts) and the small entry point (agent/fast/) both print through dockerGetAnswer.
import type { CredentialAnswer } from '../daemon/api';
import { describeFailure, type Remote } from './answer';

/** Docker compares this text to tell "no credentials" from a failure. */
export const notFoundMessage = 'credentials not found in native keychain';

export interface DockerAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Docker reads a failure's message from stdout. */
export function dockerFail(message: string): DockerAnswer {
  return { stdout: `${message}\n`, stderr: '', exitCode: 1 };
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

export const noServerUrl = 'no server URL was given on stdin';

/** What `get` prints for the agent's answer about the registry docker named on stdin. */
export function dockerGetAnswer(stdin: string, registry: Remote, answer: CredentialAnswer): DockerAnswer {
  if (answer.match === 'ambiguous')
    return dockerFail(
      `tokens ${answer.names.join(', ')} all serve ${registry.host}: keep that host in one token's "urls"`,
    );
  if (answer.match === 'none') return dockerFail(notFoundMessage);
  if ('error' in answer) return dockerFail(`token-agent: ${describeFailure(answer.error)}`);
  const credential = {
    ServerURL: stdin.trim(),
    Username: answer.username,
    Secret: answer.token.access_token,
  };
  return { stdout: `${JSON.stringify(credential)}\n`, stderr: '', exitCode: 0 };
}
