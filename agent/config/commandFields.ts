// Checks the fields that say how a `command` token's output is read and how an opaque token's expiry
// is learnt: `tokenField` and `expiryField` (dotted paths into the JSON it prints) and RFC 7662
// introspection (`introspectionEndpoint` with the `clientId` it authenticates as). Apart from
// validate.ts so that file stays readable.

import { isSecureEndpoint } from '../protocol';
import type { Report } from './fieldReaders';

export interface CommandFields {
  tokenField?: string;
  expiryField?: string;
  introspectionEndpoint?: string;
  clientId?: string;
}

/** The validated fields, to spread into the definition; each is absent when not given or refused. */
export function commandFields(raw: Record<string, unknown>, report: Report): CommandFields {
  const tokenField = pathField(raw, 'tokenField', 'access.token', report);
  const expiryField = pathField(raw, 'expiryField', 'access.expiresAt', report);
  const introspectionEndpoint = endpointField(raw.introspectionEndpoint, report);
  let clientId: string | undefined;
  if (raw.clientId !== undefined) {
    if (typeof raw.clientId === 'string' && raw.clientId !== '') clientId = raw.clientId;
    else report('error', 'clientId', '"clientId" must be a non-empty string');
  }
  if (raw.introspectionEndpoint !== undefined && raw.clientId === undefined)
    report(
      'error',
      'clientId',
      '"clientId" is required with "introspectionEndpoint": RFC 7662 endpoints want the client to authenticate (a secret, if any, goes in the secret store as client_secret)',
    );
  else if (raw.clientId !== undefined && raw.introspectionEndpoint === undefined)
    report(
      'warning',
      'clientId',
      '"clientId" is used by a command token only with "introspectionEndpoint"; it is ignored',
    );
  return {
    ...(tokenField !== undefined && { tokenField }),
    ...(expiryField !== undefined && { expiryField }),
    ...(introspectionEndpoint !== undefined && clientId !== undefined && { introspectionEndpoint, clientId }),
  };
}

function pathField(
  raw: Record<string, unknown>,
  field: 'tokenField' | 'expiryField',
  example: string,
  report: Report,
): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  const problem = typeof value === 'string' ? pathProblem(value) : 'must be a string';
  if (problem === undefined) return value as string;
  report(
    'error',
    field,
    `"${field}" ${problem}: a dotted path into the JSON the command prints, like "${example}"`,
  );
  return undefined;
}

/** Why a dotted path is refused, or undefined. A path names fields, so it is safe to say what is wrong. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 200) return 'must be 1 to 200 characters';
  const keys = path.split('.');
  if (keys.some((key) => key === '')) return 'has an empty part (two dots in a row, or a dot at an end)';
  if (keys.some((key) => /\s/.test(key))) return 'has whitespace in it';
  if (keys.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype'))
    return 'names __proto__, constructor or prototype, which no printed JSON field can be';
  return undefined;
}

function endpointField(value: unknown, report: Report): string | undefined {
  if (value === undefined) return undefined;
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  // Never echoed: a URL with credentials in it is the mistake most worth not repeating.
  const problem =
    url === undefined
      ? 'must be an absolute URL, like "https://login.example.com/oauth2/introspect"'
      : url.username !== '' || url.password !== ''
        ? 'must not contain a user name or password'
        : !isSecureEndpoint(url)
          ? 'must be an https URL (http is allowed only on loopback addresses): the token is sent to it'
          : url.hash !== ''
            ? 'must not have a fragment'
            : undefined;
  if (problem === undefined) return value as string;
  report('error', 'introspectionEndpoint', `"introspectionEndpoint" ${problem}`);
  return undefined;
}
