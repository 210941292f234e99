// Sign-in through the system browser (RFC 8252): the authorization code grant with PKCE, its redirect
// caught by a one-shot listener on 127.0.0.1 at a port the OS picks. The caller decides how the URL is
// opened (the CLI prints it and tries the system browser, the editor uses `openExternal`), so this
// module only listens, checks and exchanges.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { codes } from '../base/errors';
import type { GrantError } from '../engine/grants';
import {
  cancelled,
  clientAuth,
  discoverForSignIn,
  type FlowOptions,
  requestOptions,
  requireSecureEndpoint,
  type SignInDefinition,
  type SignInTokens,
  signInError,
  signInScope,
  toSignInError,
  toSignInTokens,
} from './common';
import { failedPage, finishedPage, notFoundPage, type Page, pageHeaders, signedInPage } from './pages';

export const defaultLoopbackTimeoutMs = 5 * 60_000;
const callbackPath = '/callback';

export interface LoopbackOptions extends FlowOptions {
  /**
   * Opens the authorization URL for the user. A rejection ends the sign-in, so a caller that can fall
   * back (the CLI has already printed the URL) should swallow its own failures.
   */
  openUrl?: (url: string) => Promise<void>;
  /** How long the user has to finish in the browser; 5 minutes by default. The listener closes then. */
  timeoutMs?: number;
}

export interface LoopbackSignIn {
  /** The URL to open in the user's browser. It carries no secret: PKCE keeps the verifier here. */
  authorizationUrl: string;
  /** http://127.0.0.1:PORT/callback */
  redirectUri: string;
  authorizationServer: oauth.AuthorizationServer;
  /** Settles once: with the tokens, or a coded error (denied, state mismatch, timeout, cancelled…). */
  result: Promise<SignInTokens>;
}

export async function startLoopbackSignIn(
  definition: SignInDefinition,
  options: LoopbackOptions = {},
): Promise<LoopbackSignIn> {
  const timeoutMs = options.timeoutMs ?? defaultLoopbackTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  const { name } = definition;
  if (options.signal?.aborted) throw cancelled(name);

  const as = await discoverForSignIn(definition, options);
  if (!as.authorization_endpoint) {
    throw signInError(
      codes.signInUnsupported,
      `The issuer of '${name}' publishes no authorization endpoint, so it cannot be signed in to through a browser; try the device code.`,
    );
  }
  const authorizationEndpoint = requireSecureEndpoint(as.authorization_endpoint, 'authorization endpoint');
  const tokenEndpoint = requireSecureEndpoint(as.token_endpoint ?? '', 'token endpoint');
  const client: oauth.Client = { client_id: definition.clientId };
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
  const state = oauth.generateRandomState();

  const server = createServer();
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    // 127.0.0.1 rather than localhost (RFC 8252 §8.3): a name can resolve elsewhere, or to ::1 only.
    server.listen(0, '127.0.0.1', () => {
      server.off('error', failed);
      listening();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  const redirectUri = `http://${host}${callbackPath}`;

  const url = new URL(authorizationEndpoint.href);
  const scope = signInScope(definition, as);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: definition.clientId,
    redirect_uri: redirectUri,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    ...(scope ? { scope } : {}),
    // OpenID Connect grants offline_access only with prompt=consent (Core §11); others ignore it.
    ...(scope?.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
    ...(definition.resource ? { resource: definition.resource } : {}),
  }))
    url.searchParams.set(key, value);

  let settled = false;
  /** Set by the first callback, so that a second one cannot start a second exchange. */
  let claimed = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveResult: (tokens: SignInTokens) => void = () => {};
  let rejectResult: (error: GrantError) => void = () => {};
  const result = new Promise<SignInTokens>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // The caller attaches its handler after this function returns; until then a timeout or a failed
  // openUrl must not surface as an unhandled rejection. The caller still sees the rejection.
  result.catch(() => undefined);

  const close = () => {
    server.close();
    server.closeAllConnections();
  };
  const onAbort = () => finish(() => rejectResult(cancelled(name)));
  /** Ends the flow exactly once: stops the timer and the abort listener, closes the listener. */
  function finish(settle: () => void, closeNow = true): boolean {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    settle();
    if (closeNow) close();
    return true;
  }
  timer = setTimeout(
    () =>
      finish(() =>
        rejectResult(
          signInError(
            codes.signInTimeout,
            `The sign-in to '${name}' was not finished in the browser within ${Math.round(timeoutMs / 1000)} seconds.`,
          ),
        ),
      ),
    timeoutMs,
  );
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const send = (response: ServerResponse, page: Page, then?: () => void) => {
    response.writeHead(page.status, { ...pageHeaders, connection: 'close' });
    response.end(page.html, then);
  };

  async function exchange(callback: URL): Promise<SignInTokens> {
    // Checked here first, so that a forged callback gets its own code; validateAuthResponse checks it
    // again, with `iss` (RFC 9207) and any `error` the server sent.
    if (callback.searchParams.get('state') !== state) {
      throw signInError(
        codes.signInStateMismatch,
        `The browser returned to the sign-in of '${name}' with a state it was not given: a stale tab or a forged request. Nothing was stored.`,
      );
    }
    const parameters = oauth.validateAuthResponse(as, client, callback, state);
    const requestStartedAt = Date.now();
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth(options.clientSecret),
      parameters,
      redirectUri,
      codeVerifier,
      {
        ...requestOptions(tokenEndpoint, options),
        ...(definition.resource ? { additionalParameters: { resource: definition.resource } } : {}),
      },
    );
    return toSignInTokens(
      name,
      await oauth.processAuthorizationCodeResponse(as, client, response),
      requestStartedAt,
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // A DNS-rebinding page reaches this port under another host name; the browser we sent says 127.0.0.1.
    if (request.headers.host !== host) return send(response, notFoundPage());
    const callback = new URL(request.url ?? '/', `http://${host}`);
    if (callback.pathname !== callbackPath || request.method !== 'GET') return send(response, notFoundPage());
    if (settled || claimed) return send(response, finishedPage());
    // The listener closes after the page is sent, not before, so the user sees how it ended.
    claimed = true;
    clearTimeout(timer);
    let outcome: { tokens: SignInTokens } | { error: GrantError };
    try {
      outcome = { tokens: await exchange(callback) };
    } catch (error) {
      outcome = { error: toSignInError(error, name, 'authorization server') };
    }
    if ('tokens' in outcome) {
      const { tokens } = outcome;
      finish(() => resolveResult(tokens), false);
      send(response, signedInPage(name, as.issuer), close);
    } else {
      const { error } = outcome;
      finish(() => rejectResult(error), false);
      send(response, failedPage(name, error.message, error.code), close);
    }
  }
  server.on('request', (request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });

  if (options.openUrl) {
    options
      .openUrl(url.href)
      .catch((error: unknown) =>
        finish(() =>
          rejectResult(
            signInError(
              codes.signInFailed,
              `Could not open the browser for the sign-in to '${name}' (${(error as Error)?.message ?? String(error)}).`,
              {},
              error,
            ),
          ),
        ),
      );
  }

  return { authorizationUrl: url.href, redirectUri, authorizationServer: as, result };
}
