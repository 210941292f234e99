// Readers of single config fields, each reporting what is wrong in one sentence that says what to
// write instead. Apart from validate.ts, which decides per token type which fields are read, so that
// file stays readable; commandFields.ts and consumerFields.ts report through the same Report.
import { redactTokensInText } from '../base/redact';
import { isSecureEndpoint } from '../protocol';
import type { OAuth2Endpoint, Problem } from './types';

export type Report = (severity: Problem['severity'], field: string, message: string) => void;

export function requiredString(
  raw: Record<string, unknown>,
  field: string,
  report: Report,
): string | undefined {
  const value = raw[field];
  if (value === undefined) report('error', field, `${JSON.stringify(field)} is required`);
  else if (typeof value !== 'string' || value === '')
    report('error', field, `${JSON.stringify(field)} must be a non-empty string, got ${show(value)}`);
  else return value;
  return undefined;
}

export function oauth2Endpoint(raw: Record<string, unknown>, report: Report): OAuth2Endpoint | undefined {
  if (raw.issuer !== undefined && raw.tokenEndpoint !== undefined) {
    report('error', 'issuer', 'needs exactly one of "issuer" (for discovery) and "tokenEndpoint", got both');
    return undefined;
  }
  if (raw.issuer !== undefined) {
    // Discovery appends a well-known path to the issuer, and OpenID Connect Discovery and RFC 8414
    // forbid a query or fragment in it.
    const issuer = endpointUrl(raw, 'issuer', report, { query: false });
    return issuer === undefined ? undefined : { issuer };
  }
  if (raw.tokenEndpoint !== undefined) {
    // RFC 6749 §3.2 allows a query in the token endpoint but not a fragment.
    const tokenEndpoint = endpointUrl(raw, 'tokenEndpoint', report, { query: true });
    return tokenEndpoint === undefined ? undefined : { tokenEndpoint };
  }
  report('error', 'issuer', 'needs exactly one of "issuer" (for discovery) and "tokenEndpoint", got neither');
  return undefined;
}

export function endpointUrl(
  raw: Record<string, unknown>,
  field: 'issuer' | 'tokenEndpoint',
  report: Report,
  allow: { query: boolean },
): string | undefined {
  const value = raw[field];
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined) {
    report('error', field, `"${field}" must be an absolute URL, got ${show(value)}`);
    return undefined;
  }
  // A URL with credentials in it is not echoed: the password is the part worth hiding.
  if (url.username !== '' || url.password !== '') {
    report('error', field, `"${field}" must not contain a user name or password`);
    return undefined;
  }
  if (!isSecureEndpoint(url)) {
    report(
      'error',
      field,
      `"${field}" must be an https URL (http is allowed only on loopback addresses), got ${show(value)}`,
    );
    return undefined;
  }
  if (url.hash !== '' || (!allow.query && url.search !== '')) {
    const what = allow.query ? 'a fragment' : 'a query or fragment';
    report('error', field, `"${field}" must not have ${what}, got ${show(value)}`);
    return undefined;
  }
  return value as string;
}

export function optionalScope(raw: Record<string, unknown>, report: Report): string | undefined {
  const value = raw.scope;
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  const hint = Array.isArray(value) ? '; separate scopes with spaces in one string' : '';
  report('error', 'scope', `"scope" must be a non-empty string, got ${show(value)}${hint}`);
  return undefined;
}

export function optionalResource(raw: Record<string, unknown>, report: Report): string | undefined {
  const value = raw.resource;
  if (value === undefined) return undefined;
  // RFC 8707 §2: an absolute URI without a fragment. It is an identifier, never fetched, so http is fine.
  if (typeof value === 'string' && URL.canParse(value) && new URL(value).hash === '') return value;
  report('error', 'resource', `"resource" must be an absolute URI without a fragment, got ${show(value)}`);
  return undefined;
}

export function commandField(raw: Record<string, unknown>, report: Report): string[] | undefined {
  const value = raw.command;
  // Commands are not echoed: people pass credentials as arguments more often than they should.
  if (value === undefined) report('error', 'command', '"command" is required');
  else if (!Array.isArray(value) || value.length === 0 || !value.every((part) => typeof part === 'string')) {
    const hint = typeof value === 'string' ? '; write the program and each argument as separate strings' : '';
    report(
      'error',
      'command',
      `"command" must be a non-empty array of strings, got ${describeType(value)}${hint}`,
    );
  } else if (value[0] === '') report('error', 'command', '"command" must start with a program name, got ""');
  else return [...value];
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isOneOf<T extends string>(value: unknown, options: readonly T[]): value is T {
  return typeof value === 'string' && (options as readonly string[]).includes(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

// Shows a value in a message. Token-shaped text is masked and long strings are cut, so a secret
// pasted into the wrong field is not repeated whole.
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const masked = redactTokensInText(value);
    return JSON.stringify(masked.length > 80 ? `${masked.slice(0, 77)}...` : masked);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}
