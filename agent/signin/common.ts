// What the two sign-in flows share: finding the authorization server, the HTTP options for
// oauth4webapi, the scope to ask for, reading the token response, and turning whatever went wrong into
// a coded error. No I/O of its own beyond discovery.
import * as oauth from 'oauth4webapi';
import { codes, type ErrorCodeString } from '../base/errors';
import { redactOutside } from '../base/redact';
import type { OAuth2RefreshTokenDefinition } from '../config/types';
import { GrantError, isLoopback, resolveAuthorizationServer, toGrantError } from '../engine/grants';

/** What a sign-in needs from a token definition. */
export type SignInDefinition = Pick<
  OAuth2RefreshTokenDefinition,
  'name' | 'issuer' | 'tokenEndpoint' | 'clientId' | 'scope' | 'resource'
>;

export interface FlowOptions {
  /** Replaces the global fetch for every request of the flow (tests inject canned answers). */
  fetch?: typeof fetch;
  /** The budget of each HTTP request, 30 s by default. */
  requestTimeoutMs?: number;
  /** Aborting it ends the flow with ERR_SIGN_IN_CANCELLED. */
  signal?: AbortSignal;
  /** For confidential clients; public clients (the usual case for a CLI or an editor) have none. */
  clientSecret?: string;
}

/** What a finished flow hands to its caller, to be stored at once and never shown. */
export interface SignInTokens {
  refreshToken: string;
  accessToken: string;
  expiresIn?: number;
  scope?: string;
  /** Date.now() when the token request was sent: `expires_in` counts from about then. */
  requestStartedAt: number;
}

export const defaultRequestTimeoutMs = 30_000;

export function signInError(
  code: ErrorCodeString,
  message: string,
  details: { oauthError?: string; status?: number } = {},
  cause?: unknown,
): GrantError {
  return new GrantError(code, message, details, cause === undefined ? undefined : { cause });
}

export function cancelled(name: string): GrantError {
  return signInError(codes.signInCancelled, `The sign-in to '${name}' was cancelled.`);
}

/**
 * Discovers the authorization server. A sign-in needs the authorization or device endpoint, which only
 * discovery tells: a definition with a bare `tokenEndpoint` cannot be signed in to.
 */
export async function discoverForSignIn(
  definition: SignInDefinition,
  options: FlowOptions,
): Promise<oauth.AuthorizationServer> {
  if (!definition.issuer) {
    throw signInError(
      codes.signInUnsupported,
      `Token '${definition.name}' names a token endpoint but no issuer: sign-in needs the issuer, to discover its authorization and device endpoints.`,
    );
  }
  return resolveAuthorizationServer(
    { issuer: definition.issuer },
    {
      timeoutMs: options.requestTimeoutMs ?? defaultRequestTimeoutMs,
      now: Date.now,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  );
}

/** Throws unless `value` is an https URL, or an http one on loopback (as the config requires of issuers). */
export function requireSecureEndpoint(value: string, what: string): URL {
  const url = new URL(value);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return url;
  throw signInError(
    codes.insecureEndpoint,
    `The ${what} ${url.origin} is not https: refusing to sign in through it.`,
  );
}

/** oauth4webapi's per-request options: a timeout joined with the caller's signal, loopback http allowed. */
export function requestOptions(url: URL, options: FlowOptions) {
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? defaultRequestTimeoutMs);
  return {
    signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
    ...(url.protocol === 'http:' && isLoopback(url) ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(options.fetch ? { [oauth.customFetch]: options.fetch } : {}),
  };
}

export function clientAuth(clientSecret: string | undefined): oauth.ClientAuth {
  return clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(clientSecret);
}

/**
 * The scope to ask for: the definition's, plus `offline_access` when the server advertises it. Many
 * servers (OpenID providers in particular) issue a refresh token only for that scope.
 */
export function signInScope(definition: SignInDefinition, as: oauth.AuthorizationServer): string | undefined {
  const scopes = (definition.scope ?? '').split(' ').filter((scope) => scope !== '');
  if (as.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access'))
    scopes.push('offline_access');
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** Reads a token response; a sign-in that yields no refresh token has failed at its one job. */
export function toSignInTokens(
  name: string,
  response: oauth.TokenEndpointResponse,
  requestStartedAt: number,
): SignInTokens {
  if (!response.refresh_token) {
    throw signInError(
      codes.signInFailed,
      `The authorization server signed you in to '${name}' but issued no refresh token: the client may lack the refresh_token grant, or need the offline_access scope.`,
    );
  }
  return {
    refreshToken: response.refresh_token,
    accessToken: response.access_token,
    ...(response.expires_in !== undefined ? { expiresIn: response.expires_in } : {}),
    ...(response.scope !== undefined ? { scope: response.scope } : {}),
    requestStartedAt,
  };
}

/** Maps what oauth4webapi or fetch threw during a sign-in to a coded error. */
export function toSignInError(error: unknown, name: string, what: string): GrantError {
  if (error instanceof GrantError) return error;
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) {
    const oauthError = error.error;
    // Server text, shown to people: masked in case a server echoes a credential back.
    const described = error.error_description ? `: ${redactOutside(error.error_description)}` : '';
    const status = error instanceof oauth.ResponseBodyError ? { status: error.status } : {};
    if (oauthError === 'access_denied') {
      return signInError(
        codes.signInDenied,
        `The sign-in to '${name}' was refused (access_denied${described}).`,
        { oauthError, ...status },
        error,
      );
    }
    if (oauthError === 'expired_token') {
      return signInError(
        codes.signInTimeout,
        `The sign-in to '${name}' was not finished before its code expired; start again.`,
        { oauthError, ...status },
        error,
      );
    }
    return signInError(
      codes.signInFailed,
      `The ${what} refused the sign-in to '${name}' (${oauthError}${described}).`,
      { oauthError, ...status },
      error,
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return signInError(
      codes.signInFailed,
      `The ${what} refused the client credentials of '${name}' (HTTP ${error.status}).`,
      { status: error.status },
      error,
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    return signInError(
      codes.signInFailed,
      `The ${what} answered the sign-in to '${name}' with something unusable (${error.message}).`,
      {},
      error,
    );
  }
  return toGrantError(error, undefined, what);
}
