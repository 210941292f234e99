// git's credential helper protocol (gitcredentials(7), git-credential(1)): `key=value` lines on
// stdin, ended by a blank line or EOF; `key[]=` keys are lists. `get` answers with the token,
// `erase` (git saying the credential just failed) makes the agent refresh, `store` stores nothing.
// Pure apart from the TokenSource it is handed, so every edge is unit-tested without a network.
//
// Choices, and why:
// - A remote no definition serves gets no output and exit 0, so git asks its next helper.
// - A served remote whose token needs a sign-in (or cannot be had) gets `quit=1` and a message on
//   stderr: git then stops instead of prompting for a password nobody has (the `quit` attribute
//   exists for helpers that broker tickets from an auth system). A helper never opens a browser.
// - `password_expiry_utc` is the agent's refresh point, not the token's expiry: git ≥ 2.40 skips an
//   expired password (from a storing helper too) and asks again, and gets the refreshed token.
// - No refresh token, nor any secret but the access token, is ever printed.

import { matchRemote, type Remote, reportedExpiry } from './served';
import type { TokenSource } from './source';

export interface CredentialInput {
  /** Single-valued keys, the last one given winning, as git reads them. */
  values: ReadonlyMap<string, string>;
  /** `key[]` lists; an empty value resets the list, as in git. */
  lists: ReadonlyMap<string, readonly string[]>;
}

export function parseCredentialInput(text: string): CredentialInput {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const clean = line.replace(/\r$/, '');
    if (clean === '') break;
    const equals = clean.indexOf('=');
    if (equals <= 0) continue;
    const key = clean.slice(0, equals);
    const value = clean.slice(equals + 1);
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      lists.set(name, value === '' ? [] : [...(lists.get(name) ?? []), value]);
    } else values.set(key, value);
  }
  return { values, lists };
}

/** The remote git asks about, or why it cannot be read (a missing `protocol` or `host`). */
export function remoteOf(input: CredentialInput): Remote | { missing: string } {
  const protocol = input.values.get('protocol');
  const host = input.values.get('host');
  // A `url=` line stands for all of them (git-credential(1)); git itself sends the parts.
  const url = input.values.get('url');
  if ((protocol === undefined || host === undefined) && url !== undefined && URL.canParse(url)) {
    const parsed = new URL(url);
    const path = parsed.pathname.replace(/^\//, '');
    return { protocol: parsed.protocol.replace(/:$/, ''), host: parsed.host, ...(path ? { path } : {}) };
  }
  if (protocol === undefined) return { missing: 'protocol' };
  if (host === undefined) return { missing: 'host' };
  const path = input.values.get('path');
  return { protocol, host, ...(path !== undefined && path !== '' ? { path } : {}) };
}

export interface GitAnswer {
  /** What to write to stdout: nothing, or `key=value` lines. */
  stdout: string;
  /** One line for a person, or nothing. Never a token. */
  stderr: string;
  exitCode: number;
}

export interface GitOptions {
  /** The validity asked of the agent; a token that lives less comes back as the freshest one. */
  minValidSeconds: number;
  nowSeconds: () => number;
}

const silent: GitAnswer = { stdout: '', stderr: '', exitCode: 0 };

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
  let name: string | undefined;
  try {
    const match = matchRemote(await source.served(), remote);
    if (match.kind === 'ambiguous')
      return {
        stdout: '',
        stderr: `token-agent: tokens ${match.names.join(', ')} all serve ${remote.host}; to tell them apart by path, run: git config --global credential.${remote.protocol}://${remote.host}.useHttpPath true\n`,
        exitCode: 0,
      };
    if (match.kind === 'none') return silent;
    name = match.token.name;
    if (action === 'erase') return await erase(source, name, input.values.get('password'));
    const token = await source.token(name, options.minValidSeconds);
    if (/[\r\n\0]/.test(token.access_token))
      return failure(name, 'the token holds a line break, which the git protocol cannot carry');
    const expiry = reportedExpiry(token, options.nowSeconds());
    const expiryLine = expiry === undefined ? '' : `password_expiry_utc=${expiry}\n`;
    const bearer = (input.lists.get('capability') ?? []).includes('authtype');
    const lines = bearer
      ? `capability[]=authtype\nauthtype=Bearer\ncredential=${token.access_token}\nephemeral=true\n`
      : `username=${match.token.username}\npassword=${token.access_token}\n`;
    return { stdout: `${lines}${expiryLine}`, stderr: '', exitCode: 0 };
  } catch (error) {
    return failure(name, describe(error));
  }
}

/**
 * Git found the credential bad. Refresh only when the agent still holds that very token: another
 * process may have refreshed it already, and a second refresh would spend the budget for nothing.
 * Without the password (an old git, a script), refresh anyway. The agent's own rule hands back a
 * token refreshed within the last 10 s instead of refreshing again.
 */
async function erase(source: TokenSource, name: string, password: string | undefined): Promise<GitAnswer> {
  if (password !== undefined) {
    const held = await source.token(name, 0).catch(() => undefined);
    if (held !== undefined && held.access_token !== password) return silent;
  }
  await source.refresh(name);
  return silent;
}

function failure(name: string | undefined, why: string): GitAnswer {
  return {
    stdout: 'quit=1\n',
    stderr: `token-agent: git-credential: ${name === undefined ? '' : `token '${name}': `}${why}\n`,
    exitCode: 1,
  };
}

function describe(error: unknown): string {
  const coded = error as { code?: unknown; message?: unknown };
  const code = typeof coded.code === 'string' && coded.code.startsWith('ERR_') ? `${coded.code}: ` : '';
  return `${code}${typeof coded.message === 'string' ? coded.message : String(error)}`;
}
