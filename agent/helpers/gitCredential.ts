// git's credential helper protocol (gitcredentials(7), git-credential(1)): `key=value` lines on
// stdin, ended by a blank line or EOF; `key[]=` keys are lists. `get` answers with the token,
// `erase` (git saying the credential just failed) makes the agent refresh, `store` stores nothing.
// Pure apart from the TokenSource it is handed, so every edge is unit-tested without a network. What
// `get` prints is gitWire.ts's, shared with the small entry point (agent/fast/).
//
// Choices, and why:
// - A remote no definition serves gets no output and exit 0, so git asks its next helper.
// - A served remote whose token needs a sign-in (or cannot be had) gets `quit=1` and a message on
//   stderr: git then stops instead of prompting for a password nobody has (the `quit` attribute
//   exists for helpers that broker tickets from an auth system). A helper never opens a browser.
// - `password_expiry_utc` is the agent's refresh point, not the token's expiry: git ≥ 2.40 skips an
//   expired password (from a storing helper too) and asks again, and gets the refreshed token.
// - No refresh token, nor any secret but the access token, is ever printed.

import { matchRemote } from '../daemon/served';
import { describeFailure, failureOf } from './answer';
import {
  type CredentialInput,
  type GitAnswer,
  gitFailure,
  gitGetAnswer,
  parseCredentialInput,
  remoteOf,
  silent,
} from './gitWire';
import { credentialOf, type TokenSource } from './source';

export { type CredentialInput, type GitAnswer, parseCredentialInput, remoteOf } from './gitWire';

export interface GitOptions {
  /** The validity asked of the agent; a token that lives less comes back as the freshest one. */
  minValidSeconds: number;
  nowSeconds: () => number;
}

/** Runs one action. Never throws: a failure is an answer with a message and an exit code. */
export async function gitCredential(
  action: string,
  text: string,
  source: TokenSource,
  options: GitOptions,
): Promise<GitAnswer> {
  // `store` and newer actions (`capability`, …) get nothing: git carries on with its other helpers.
  if (action !== 'get' && action !== 'erase') return silent;
  const input = parseCredentialInput(text);
  const remote = remoteOf(input);
  if ('missing' in remote) return silent;
  try {
    if (action === 'get') {
      const answer = await credentialOf(source, remote, options.minValidSeconds);
      return gitGetAnswer(input, remote, answer, options.nowSeconds());
    }
    const match = matchRemote(await source.served(), remote);
    if (match.kind === 'ambiguous')
      return gitGetAnswer(input, remote, { match: 'ambiguous', names: match.names }, options.nowSeconds());
    if (match.kind === 'none') return silent;
    return await erase(source, match.token.name, input).catch((error: unknown) =>
      gitFailure(match.token.name, describeFailure(failureOf(error))),
    );
  } catch (error) {
    return gitFailure(undefined, describeFailure(failureOf(error)));
  }
}

/**
 * Git found the credential bad. Refresh only when the agent still holds that very token: another
 * process may have refreshed it already, and a second refresh would spend the budget for nothing.
 * Without the password (an old git, a script), refresh anyway. The agent's own rule hands back a
 * token refreshed within the last 10 s instead of refreshing again.
 */
async function erase(source: TokenSource, name: string, input: CredentialInput): Promise<GitAnswer> {
  const password = input.values.get('password');
  if (password !== undefined) {
    const held = await source.token(name, 0).catch(() => undefined);
    if (held !== undefined && held.access_token !== password) return silent;
  }
  await source.refresh(name);
  return silent;
}
