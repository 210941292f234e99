// Talks to token endpoints through oauth4webapi, and runs `command` tokens. Each function takes its
// inputs explicitly and returns what the endpoint said; caching, retries and storage are the
// caller's. Errors are GrantErrors with a stable code plus what the scheduler needs (HTTP status,
// Retry-After, the OAuth error), never a token.
import * as oauth from 'oauth4webapi';
import { codes, type ErrorCodeString, TokenAgentError } from '../base/errors';
import { redactOutside } from '../base/redact';
import { isLoopbackHost } from '../config/validate';
import {
  parseBody,
  readTokenResponse,
  rotatedRefreshToken,
  type TokenResponse,
  TokenResponseError,
} from './tokenResponse';

/** What a caller branches on besides the code; never a token. */
export interface GrantErrorDetails {
  status?: number;
  retryAfter?: string;
  oauthError?: string;
  /** The system's code for a request that failed below HTTP (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET…). */
  errno?: string;
  /** A 200 answer whose body was not a JSON object: nothing in it, a new refresh token included, could be read. */
  unreadable?: boolean;
}

export class GrantError extends TokenAgentError {
  constructor(
    code: ErrorCodeString,
    message: string,
    readonly details: GrantErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export interface GrantResponse {
  accessToken: string;
  expiresInSeconds?: number;
  /** Present when the server rotated the refresh token. */
  refreshToken?: string;
  scope?: string;
  /** The server's `Date` header, for clock-skew estimation. */
  dateHeader?: string;
  requestStartedAt: number;
  responseReceivedAt: number;
}

export interface Endpoint {
  /** Discovery (RFC 8414 / OpenID) when set. */
  issuer?: string;
  tokenEndpoint?: string;
}

export interface GrantOptions {
  timeoutMs: number;
  now: () => number;
  fetch?: typeof fetch;
  /**
   * Receives the refresh token of a 200 answer before anything else in it is read, and is awaited:
   * a rotating provider retired the old one when it answered, so the new one must be kept even when
   * the rest of the answer is refused.
   */
  onRefreshToken?: (refreshToken: string) => Promise<void>;
}

/** What a grant asks for, and whether an id_token in the answer is checked (against a configured issuer). */
export interface GrantRequest {
  scope?: string;
  resource?: string;
  /**
   * Only with an issuer the user configured (discovery): a token endpoint alone says nothing of the
   * issuer (Okta's and Entra ID's are paths), and the agent has no use for an id_token anyway.
   */
  checkIdToken?: boolean;
}

/** Whether a URL points at this machine; one rule with the config's check of endpoints. */
export function isLoopback(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/** A request's timeout, loopback allowance and injected fetch; shared with introspect.ts. */
export function httpOptions(url: URL, options: GrantOptions) {
  return {
    signal: AbortSignal.timeout(options.timeoutMs),
    // Plain http is allowed on loopback only; config validation already refused it elsewhere.
    ...(url.protocol === 'http:' && isLoopback(url) ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(options.fetch ? { [oauth.customFetch]: options.fetch } : {}),
  };
}

/** Resolves the authorization server metadata: by discovery, or from a bare token endpoint. */
export async function resolveAuthorizationServer(
  endpoint: Endpoint,
  options: GrantOptions,
): Promise<oauth.AuthorizationServer> {
  if (endpoint.tokenEndpoint) {
    // oauth4webapi needs an issuer; this one is a placeholder that nothing is checked against
    // (GrantRequest.checkIdToken is off without a configured issuer).
    const url = new URL(endpoint.tokenEndpoint);
    return { issuer: endpoint.issuer ?? url.origin, token_endpoint: endpoint.tokenEndpoint };
  }
  if (!endpoint.issuer) throw new TypeError('an endpoint needs an issuer or a tokenEndpoint');
  const issuer = new URL(endpoint.issuer);
  try {
    let response = await oauth.discoveryRequest(issuer, {
      ...httpOptions(issuer, options),
      algorithm: 'oidc',
    });
    if (response.status === 404) {
      response = await oauth.discoveryRequest(issuer, {
        ...httpOptions(issuer, options),
        algorithm: 'oauth2',
      });
    }
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    throw toGrantError(error, undefined, `discovery at ${issuer.href}`);
  }
}

export interface ClientCredentials {
  clientId: string;
  /** Absent for public clients. */
  clientSecret?: string;
}

function clientAuth(credentials: ClientCredentials): oauth.ClientAuth {
  return credentials.clientSecret === undefined
    ? oauth.None()
    : oauth.ClientSecretPost(credentials.clientSecret);
}

function extraParameters(scope?: string, resource?: string): Record<string, string> {
  return { ...(scope ? { scope } : {}), ...(resource ? { resource } : {}) };
}

export async function refreshTokenGrant(
  as: oauth.AuthorizationServer,
  credentials: ClientCredentials,
  refreshToken: string,
  request: GrantRequest,
  options: GrantOptions,
): Promise<GrantResponse> {
  const client: oauth.Client = { client_id: credentials.clientId };
  return exchange(options, as, request, async () => {
    const url = new URL(as.token_endpoint ?? '');
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth(credentials), refreshToken, {
      ...httpOptions(url, options),
      additionalParameters: extraParameters(request.scope, request.resource),
    });
    return [response, (r: Response) => oauth.processRefreshTokenResponse(as, client, r)];
  });
}

export async function clientCredentialsGrant(
  as: oauth.AuthorizationServer,
  credentials: ClientCredentials,
  request: GrantRequest,
  options: GrantOptions,
): Promise<GrantResponse> {
  const client: oauth.Client = { client_id: credentials.clientId };
  return exchange(options, as, request, async () => {
    const url = new URL(as.token_endpoint ?? '');
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth(credentials),
      extraParameters(request.scope, request.resource),
      httpOptions(url, options),
    );
    return [response, (r: Response) => oauth.processClientCredentialsResponse(as, client, r)];
  });
}

type Exchange = () => Promise<[Response, (response: Response) => Promise<oauth.TokenEndpointResponse>]>;

async function exchange(
  options: GrantOptions,
  as: oauth.AuthorizationServer,
  request: GrantRequest,
  send: Exchange,
): Promise<GrantResponse> {
  const requestStartedAt = options.now();
  let response: Response | undefined;
  try {
    const [sent, process] = await send();
    response = sent;
    // Anything but a 200 is an error answer: oauth4webapi reads those (OAuth error, status, challenge).
    if (sent.status !== 200) {
      await process(sent);
      // Not reached: oauth4webapi throws for every status but 200.
      throw new GrantError(
        codes.tokenEndpointHttp,
        `The token endpoint ${as.token_endpoint ?? ''} answered HTTP ${sent.status}.`,
        { status: sent.status },
      );
    }
    // A 200 is read here, not by oauth4webapi, which validates the whole answer before handing over
    // its refresh token: one odd field then lost a refresh token the provider had already rotated.
    const body = parseBody(await sent.text());
    const rotated = rotatedRefreshToken(body);
    if (rotated !== undefined) await options.onRefreshToken?.(rotated);
    const answer = readTokenResponse(body);
    if (answer.idToken !== undefined && request.checkIdToken) await checkIdToken(as, answer, process);
    const date = sent.headers.get('date');
    return {
      accessToken: answer.accessToken,
      ...(answer.expiresInSeconds !== undefined ? { expiresInSeconds: answer.expiresInSeconds } : {}),
      ...(answer.refreshToken !== undefined ? { refreshToken: answer.refreshToken } : {}),
      ...(answer.scope !== undefined ? { scope: answer.scope } : {}),
      ...(date ? { dateHeader: date } : {}),
      requestStartedAt,
      responseReceivedAt: options.now(),
    };
  } catch (error) {
    throw toGrantError(error, response, `token endpoint ${as.token_endpoint ?? ''}`);
  }
}

/**
 * Checks an id_token against the configured issuer and the client (iss, aud, azp, exp, iat, sub), with
 * oauth4webapi's own checks: the answer, already read, is handed to it again in the one shape it takes.
 */
async function checkIdToken(
  as: oauth.AuthorizationServer,
  answer: TokenResponse,
  process: (response: Response) => Promise<oauth.TokenEndpointResponse>,
): Promise<void> {
  const normalized = { access_token: answer.accessToken, token_type: 'bearer', id_token: answer.idToken };
  const copy = new Response(JSON.stringify(normalized), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
  try {
    await process(copy);
  } catch (error) {
    // oauth4webapi's messages name the claim, never its value.
    const why = (error as Error)?.message ?? String(error);
    throw new TokenResponseError('id_token', `does not check out against the issuer ${as.issuer} (${why})`);
  }
}

/** Maps whatever oauth4webapi or fetch threw to a coded error that says what to do. */
export function toGrantError(error: unknown, response: Response | undefined, what: string): GrantError {
  if (error instanceof GrantError) return error;
  const status = response?.status;
  const retryAfter = response?.headers.get('retry-after') ?? undefined;
  const details = { ...(status !== undefined ? { status } : {}), ...(retryAfter ? { retryAfter } : {}) };
  if (error instanceof TokenResponseError && error.field === 'the body') {
    // Nothing in it could be read, a new refresh token included (rotationRisk.ts says what follows).
    return new GrantError(
      codes.tokenEndpointResponse,
      `The ${what} answered with something that is not a token response: ${error.message}.`,
      { ...details, unreadable: true },
      { cause: error },
    );
  }
  if (error instanceof TokenResponseError) {
    return new GrantError(
      codes.tokenEndpointResponse,
      `The ${what} answered with a token the agent cannot use: ${error.message}. Its new refresh token, if it sent one, was kept; if this persists, the provider's answers need fixing.`,
      details,
      { cause: error },
    );
  }
  if (error instanceof oauth.ResponseBodyError) {
    const oauthError = error.error;
    // The provider's words, capped on their own, so that the advice after them is never cut off.
    const described = error.error_description ? `: ${redactOutside(error.error_description)}` : '';
    if (oauthError === 'invalid_grant') {
      return new GrantError(
        codes.needsSignIn,
        `The ${what} rejected the refresh token (invalid_grant${described}). Sign in again.`,
        { ...details, oauthError },
        { cause: error },
      );
    }
    return new GrantError(
      codes.tokenEndpointHttp,
      `The ${what} answered HTTP ${error.status} ${oauthError}${described}.`,
      { ...details, status: error.status, oauthError },
      { cause: error },
    );
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new GrantError(codes.tokenEndpointTimeout, `The ${what} did not answer in time.`, details, {
      cause: error,
    });
  }
  if (status !== undefined && status >= 400) {
    return new GrantError(codes.tokenEndpointHttp, `The ${what} answered HTTP ${status}.`, details, {
      cause: error,
    });
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new GrantError(
      codes.tokenEndpointResponse,
      `The ${what} answered with something that is not a valid token response (${(error as Error).message}).`,
      details,
      { cause: error },
    );
  }
  const errno = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const reason = typeof errno === 'string' ? errno : ((error as Error)?.message ?? String(error));
  return new GrantError(
    codes.refreshFailed,
    `Could not reach the ${what} (${reason}).`,
    { ...details, ...(typeof errno === 'string' ? { errno } : {}) },
    { cause: error },
  );
}
