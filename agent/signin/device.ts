// Sign-in with a device code (RFC 8628), for sessions with no browser of their own (SSH, containers,
// remote editors): the user opens a URL anywhere and types a short code, while this side polls the
// token endpoint at the server's pace. The clock and the sleep are injected so that a test can check
// the pacing without waiting for it.
import { setTimeout as delay } from 'node:timers/promises';
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

/** RFC 8628 §3.2: the interval when the server names none. */
export const defaultIntervalSeconds = 5;
/** RFC 8628 §3.5: what `slow_down` adds to the interval, for this and every later request. */
export const slowDownSeconds = 5;
/** Consecutive unreachable polls before giving up (each waits twice as long as the one before). */
const maxTransientFailures = 5;
const maxBackoffMs = 60_000;

export interface DeviceOptions extends FlowOptions {
  now?: () => number;
  /** Waits `ms`; rejects when `signal` aborts. Tests pass one that advances a fake clock instead. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface DeviceSignIn {
  /** What the user types at `verificationUri`. Not a secret on its own: it is useless without the login. */
  userCode: string;
  verificationUri: string;
  /** The same URL with the code filled in, when the server offers it (for a link or a QR code). */
  verificationUriComplete?: string;
  /** Date.now() after which the code is no longer accepted. */
  expiresAt: number;
  /** The polling interval the server asked for, in seconds. */
  intervalSeconds: number;
  authorizationServer: oauth.AuthorizationServer;
  /** Settles once: with the tokens, or a coded error (denied, expired, cancelled…). */
  result: Promise<SignInTokens>;
}

export async function startDeviceSignIn(
  definition: SignInDefinition,
  options: DeviceOptions = {},
): Promise<DeviceSignIn> {
  const { name } = definition;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  if (options.signal?.aborted) throw cancelled(name);

  const as = await discoverForSignIn(definition, options);
  if (!as.device_authorization_endpoint) {
    throw signInError(
      codes.signInUnsupported,
      `The issuer of '${name}' publishes no device authorization endpoint, so it cannot be signed in to with a device code; use the browser sign-in.`,
    );
  }
  const deviceEndpoint = requireSecureEndpoint(
    as.device_authorization_endpoint,
    'device authorization endpoint',
  );
  const tokenEndpoint = requireSecureEndpoint(as.token_endpoint ?? '', 'token endpoint');
  const client: oauth.Client = { client_id: definition.clientId };
  const auth = clientAuth(options.clientSecret);
  const scope = signInScope(definition, as);

  let authorization: oauth.DeviceAuthorizationResponse;
  try {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      {
        ...(scope ? { scope } : {}),
        ...(definition.resource ? { resource: definition.resource } : {}),
      },
      requestOptions(deviceEndpoint, options),
    );
    authorization = await oauth.processDeviceAuthorizationResponse(as, client, response);
  } catch (error) {
    if (options.signal?.aborted) throw cancelled(name);
    throw toSignInError(error, name, 'device authorization endpoint');
  }
  const startedAt = now();
  const expiresAt = startedAt + authorization.expires_in * 1000;
  const intervalSeconds = authorization.interval ?? defaultIntervalSeconds;

  const poll = async (): Promise<SignInTokens> => {
    let intervalMs = intervalSeconds * 1000;
    let transientFailures = 0;
    for (;;) {
      const waitMs =
        transientFailures === 0 ? intervalMs : Math.min(intervalMs * 2 ** transientFailures, maxBackoffMs);
      try {
        // Never past the code's expiry: the sign-in then ends when the code does.
        await sleep(Math.min(waitMs, Math.max(0, expiresAt - now())), options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw cancelled(name);
        throw error;
      }
      if (options.signal?.aborted) throw cancelled(name);
      // The code is dead once expired: asking again would only earn `expired_token`.
      if (now() >= expiresAt) throw expired(name, authorization.expires_in);
      const requestStartedAt = now();
      try {
        const response = await oauth.deviceCodeGrantRequest(
          as,
          client,
          auth,
          authorization.device_code,
          requestOptions(tokenEndpoint, options),
        );
        return toSignInTokens(
          name,
          await oauth.processDeviceCodeResponse(as, client, response),
          requestStartedAt,
        );
      } catch (error) {
        if (options.signal?.aborted) throw cancelled(name);
        if (error instanceof oauth.ResponseBodyError && error.status < 500) {
          transientFailures = 0;
          if (error.error === 'authorization_pending') continue;
          if (error.error === 'slow_down') {
            intervalMs += slowDownSeconds * 1000;
            continue;
          }
          throw toSignInError(error, name, 'token endpoint');
        }
        const coded = toSignInError(error, name, 'token endpoint');
        // A server error or an unreachable server may pass (RFC 8628 §3.5: back off exponentially);
        // an answer that makes no sense will not.
        if (!isTransient(error, coded) || ++transientFailures >= maxTransientFailures) throw coded;
      }
    }
  };
  const result = poll();
  // The caller attaches its handler after this function returns; the rejection still reaches it.
  result.catch(() => undefined);

  return {
    userCode: authorization.user_code,
    verificationUri: authorization.verification_uri,
    ...(authorization.verification_uri_complete
      ? { verificationUriComplete: authorization.verification_uri_complete }
      : {}),
    expiresAt,
    intervalSeconds,
    authorizationServer: as,
    result,
  };
}

function expired(name: string, lifetimeSeconds: number): GrantError {
  return signInError(
    codes.signInTimeout,
    `The device code for '${name}' expired after ${lifetimeSeconds} seconds before the sign-in was finished; start again.`,
  );
}

function isTransient(error: unknown, coded: GrantError): boolean {
  if (error instanceof oauth.ResponseBodyError) return error.status >= 500;
  // oauth4webapi hands back a non-JSON error answer (a proxy's 502 page) as the cause.
  if (error instanceof oauth.OperationProcessingError)
    return error.cause instanceof Response && error.cause.status >= 500;
  return (
    coded.code === codes.tokenEndpointTimeout ||
    coded.code === codes.refreshFailed ||
    (coded.code === codes.tokenEndpointHttp && (coded.details.status ?? 0) >= 500)
  );
}
