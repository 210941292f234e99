// gitcredentials(7) on the wire: the `key=value` description git writes, and what `get` prints for
// the agent's answer. Pure and free of the engine: the full CLI (gitCredential.ts) and the small entry
// point (agent/fast/) both print through gitGetAnswer, so their bytes are the same.
import type { CredentialAnswer } from '../daemon/api';
import { describeFailure, type Remote, reportedExpiry } from './answer';

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
export function remoteOf(input: CredentialInput): (Remote & { protocol: string }) | { missing: string } {
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

export const silent: GitAnswer = { stdout: '', stderr: '', exitCode: 0 };

/** What `get` prints for the agent's answer about `remote`. */
export function gitGetAnswer(
  input: CredentialInput,
  remote: Remote & { protocol: string },
  answer: CredentialAnswer,
  nowSeconds: number,
): GitAnswer {
  if (answer.match === 'none') return silent;
  if (answer.match === 'ambiguous')
    return {
      stdout: '',
      stderr: `token-agent: tokens ${answer.names.join(', ')} all serve ${remote.host}; to tell them apart by path, run: git config --global credential.${remote.protocol}://${remote.host}.useHttpPath true\n`,
      exitCode: 0,
    };
  if ('error' in answer) return gitFailure(answer.name, describeFailure(answer.error));
  const { token } = answer;
  if (/[\r\n\0]/.test(token.access_token))
    return gitFailure(answer.name, 'the token holds a line break, which the git protocol cannot carry');
  const expiry = reportedExpiry(token, nowSeconds);
  const expiryLine = expiry === undefined ? '' : `password_expiry_utc=${expiry}\n`;
  const bearer = (input.lists.get('capability') ?? []).includes('authtype');
  const lines = bearer
    ? `capability[]=authtype\nauthtype=Bearer\ncredential=${token.access_token}\nephemeral=true\n`
    : `username=${answer.username}\npassword=${token.access_token}\n`;
  return { stdout: `${lines}${expiryLine}`, stderr: '', exitCode: 0 };
}

/** `quit=1` stops git from prompting for a password nobody has; the reason goes to stderr. */
export function gitFailure(name: string | undefined, why: string): GitAnswer {
  return {
    stdout: 'quit=1\n',
    stderr: `token-agent: git-credential: ${name === undefined ? '' : `token '${name}': `}${why}\n`,
    exitCode: 1,
  };
}
