// What the credential helpers print is decided from one CredentialAnswer (daemon/api.ts): the agent's
// answer to `GET /v1/credential`, or the same answer worked out in this process (resolve.ts). The
// full CLI and the small entry point (agent/fast/) both print through the modules that import this
// one, so for one answer they print the same bytes. Pure and free of the engine, so the small entry
// point can bundle it.
import type { CredentialAnswer, TokenAnswer } from '../daemon/api';

export type { Remote } from '../daemon/api';

/** How long a token handed to a helper must stay valid unless `--min-valid` says otherwise. */
export const helperMinValidSeconds = 60;

/**
 * The expiry to report to git and kubectl, in Unix seconds: from when the agent refreshes the token,
 * so that the consumer asks again in time and gets the new one. When that point has passed (a refresh
 * failed and this is still the freshest token), the real expiry; undefined when it is unknown.
 */
export function reportedExpiry(answer: TokenAnswer, nowSeconds: number): number | undefined {
  if (answer.refresh_at !== undefined && answer.refresh_at > nowSeconds) return answer.refresh_at;
  return answer.expires_at;
}

/** `ERR_CODE: message` for a coded failure, the message alone otherwise. */
export function describeFailure(failure: { code?: string; message: string }): string {
  return `${failure.code?.startsWith('ERR_') ? `${failure.code}: ` : ''}${failure.message}`;
}

/** A thrown error as a CredentialAnswer's `error`: its code when it has an `ERR_` one. */
export function failureOf(error: unknown): { code?: string; message: string } {
  const coded = error as { code?: unknown; message?: unknown };
  return {
    ...(typeof coded.code === 'string' && coded.code.startsWith('ERR_') ? { code: coded.code } : {}),
    message: typeof coded.message === 'string' ? coded.message : String(error),
  };
}

/**
 * The JSON body of a `GET /v1/credential` answer, checked field by field; undefined for anything
 * else (the small entry point then leaves the command to the full CLI).
 */
export function readCredentialAnswer(text: string): CredentialAnswer | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const answer = body as Record<string, unknown>;
  if (answer.match === 'none') return { match: 'none' };
  if (answer.match === 'ambiguous') {
    const names = answer.names;
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) return undefined;
    return { match: 'ambiguous', names };
  }
  if (answer.match !== 'token' || typeof answer.name !== 'string' || typeof answer.username !== 'string')
    return undefined;
  const { name, username } = answer;
  const error = answer.error as { code?: unknown; message?: unknown } | undefined;
  if (error !== undefined) {
    if (typeof error !== 'object' || error === null || typeof error.message !== 'string') return undefined;
    if (error.code !== undefined && typeof error.code !== 'string') return undefined;
    const code = error.code;
    return { match: 'token', name, username, error: { ...(code ? { code } : {}), message: error.message } };
  }
  const token = readTokenAnswer(answer.token);
  return token === undefined ? undefined : { match: 'token', name, username, token };
}

/** A TokenAnswer's fields the helpers read, checked; undefined when any is missing or mistyped. */
export function readTokenAnswer(value: unknown): TokenAnswer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const token = value as Record<string, unknown>;
  if (typeof token.access_token !== 'string' || token.access_token === '') return undefined;
  const seconds = (key: string) => token[key] === undefined || Number.isInteger(token[key]);
  if (!seconds('expires_at') || !seconds('expires_in') || !seconds('refresh_at')) return undefined;
  return token as unknown as TokenAnswer;
}
