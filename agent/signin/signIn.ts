// Signs in to a configured token and puts the result straight into the secret store. The caller gets
// what to show the user (a URL to open, or a code to type) and, at the end, a masked preview: never a
// token. Shared by `token-agent login` and the editor's "Token Agent: Sign In".
import type { AuthorizationServer } from 'oauth4webapi';
import { codes, TokenAgentError } from '../base/errors';
import { describeAccessToken } from '../base/jwtInfo';
import { mask } from '../base/redact';
import type { OAuth2RefreshTokenDefinition } from '../config/types';
import type { StoredAccessToken } from '../engine/tokenSlot';
import { type KeySetCache, type Verification, verifyAccessToken } from '../engine/verify';
import type { SignInPrompt } from '../protocol';
import { type Runtime, requireStore } from '../runtime';
import { appendAudit } from '../store/auditLog';
import type { SecretStore } from '../store/secretStore';
import { cancelled, type SignInTokens, signInError } from './common';
import { type DeviceOptions, startDeviceSignIn } from './device';
import { type LoopbackOptions, startLoopbackSignIn } from './loopback';

export type SignInFlow = 'browser' | 'device';
export const signInFlows: readonly SignInFlow[] = ['browser', 'device'];

export type SignInRuntime = Pick<Runtime, 'config' | 'store' | 'storeError' | 'engine' | 'dataDir'>;

export interface BeginSignInOptions
  extends Omit<LoopbackOptions, 'clientSecret'>,
    Omit<DeviceOptions, 'clientSecret'> {
  flow: SignInFlow;
  /** When given, the new access token's signature is checked against the issuer's keys. */
  keySets?: KeySetCache;
}

// What the user must do (open a URL, or type a code at one) is the protocol's type, sent as is.
export type { SignInPrompt };

export interface SignInResult {
  name: string;
  /** The store tier that now holds the refresh token. */
  tier: SecretStore['tier'];
  plaintext: boolean;
  /** The access token's first few characters, enough to tell it apart, never enough to use it. */
  accessTokenPreview: string;
  expiresAt?: number;
  /** Only when `keySets` was given. */
  verification?: Verification;
}

export interface PendingSignIn {
  prompt: SignInPrompt;
  /** Settles once the user finished (or the flow failed) and the tokens are stored. */
  done: Promise<SignInResult>;
}

/**
 * Starts a sign-in: checks the token and the store first, so that nobody signs in for nothing, then
 * starts the flow. Resolves as soon as there is something to show the user.
 */
export async function beginSignIn(
  runtime: SignInRuntime,
  name: string,
  options: BeginSignInOptions,
): Promise<PendingSignIn> {
  const definition = signInDefinition(runtime, name);
  const store = requireStore(runtime, 'to keep the refresh token');
  if (options.signal?.aborted) throw cancelled(name);
  // A confidential client (some providers give desktop apps a "secret" too) authenticates as usual.
  const clientSecret = await store.get(name, 'client_secret');
  const flowOptions = { ...options, ...(clientSecret ? { clientSecret } : {}) };

  let prompt: SignInPrompt;
  let result: Promise<SignInTokens>;
  let as: AuthorizationServer;
  if (options.flow === 'browser') {
    const started = await startLoopbackSignIn(definition, flowOptions);
    prompt = { flow: 'browser', authorizationUrl: started.authorizationUrl };
    result = started.result;
    as = started.authorizationServer;
  } else if (options.flow === 'device') {
    const started = await startDeviceSignIn(definition, flowOptions);
    prompt = {
      flow: 'device',
      userCode: started.userCode,
      verificationUri: started.verificationUri,
      ...(started.verificationUriComplete
        ? { verificationUriComplete: started.verificationUriComplete }
        : {}),
      expiresAt: started.expiresAt,
    };
    result = started.result;
    as = started.authorizationServer;
  } else {
    throw new TypeError(`flow must be one of ${signInFlows.join(', ')}`);
  }
  const done = result.then((tokens) => storeTokens(runtime, store, definition, tokens, as, options));
  done.catch(() => undefined);
  return { prompt, done };
}

/**
 * Runs a whole sign-in. `openUrl` opens the browser flow's URL; `onDeviceCode` shows the device flow's
 * code (both may also just print it).
 */
export async function signIn(
  runtime: SignInRuntime,
  name: string,
  options: BeginSignInOptions & {
    onDeviceCode?: (prompt: Extract<SignInPrompt, { flow: 'device' }>) => void | Promise<void>;
  },
): Promise<SignInResult> {
  const { onDeviceCode, ...begin } = options;
  // A failing onDeviceCode must not leave the flow polling behind the caller's back.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const pending = await beginSignIn(runtime, name, { ...begin, signal });
  try {
    if (pending.prompt.flow === 'device' && onDeviceCode) await onDeviceCode(pending.prompt);
  } catch (error) {
    stop.abort();
    throw error;
  }
  return pending.done;
}

/** The definition behind `name`, if it is one a sign-in can serve. */
export function signInDefinition(
  runtime: Pick<Runtime, 'config'>,
  name: string,
): OAuth2RefreshTokenDefinition {
  const definition = runtime.config.tokens.find((token) => token.name === name);
  if (!definition) {
    const known = runtime.config.tokens.map((token) => token.name);
    throw new TokenAgentError(
      codes.tokenUnknown,
      `No token named '${name}' is configured${known.length ? ` (known: ${known.join(', ')})` : ''}.`,
    );
  }
  if (definition.type !== 'oauth2-refresh-token') {
    throw signInError(
      codes.signInUnsupported,
      `Token '${name}' is of type ${definition.type}; only oauth2-refresh-token tokens are signed in to.`,
    );
  }
  return definition;
}

/**
 * Stores what the flow obtained. The access token goes in first, then the refresh token through the
 * engine: the engine's refresh, run under its lock, finds that access token stored and adopts it
 * instead of spending the brand-new refresh token at once. The audit line tells every other agent on
 * this machine (another editor window) to pick the new tokens up.
 */
async function storeTokens(
  runtime: SignInRuntime,
  store: SecretStore,
  definition: OAuth2RefreshTokenDefinition,
  tokens: SignInTokens,
  as: AuthorizationServer,
  options: BeginSignInOptions,
): Promise<SignInResult> {
  const { name } = definition;
  const description = describeAccessToken(tokens.accessToken, {
    nowMs: tokens.requestStartedAt,
    ...(tokens.expiresIn !== undefined ? { expiresInSeconds: tokens.expiresIn } : {}),
  });
  const issuedAt = description.jwt?.issuedAtMs;
  const stored: StoredAccessToken = {
    accessToken: tokens.accessToken,
    obtainedAt: Date.now(),
    ...(description.expiresAtMs !== undefined ? { expiresAt: description.expiresAtMs } : {}),
    ...(issuedAt !== undefined ? { issuedAt } : {}),
  };
  await store.set(name, 'access_token', JSON.stringify(stored));
  await runtime.engine.setSecret(name, 'refresh_token', tokens.refreshToken);
  // Proves the stored pair is usable; with the access token adopted this asks no server.
  const issued = await runtime.engine.get(name);
  try {
    await appendAudit(runtime.dataDir, {
      token: name,
      outcome: 'signed-in',
      ...(description.jwt?.jti ? { jti: description.jwt.jti } : {}),
      ...(issued.expiresAt !== undefined ? { exp: Math.floor(issued.expiresAt / 1000) } : {}),
    });
  } catch {
    // The audit line is a courtesy to other agents; they still find the token at their next refresh.
  }
  const verification = options.keySets
    ? await verifyAccessToken(issued.accessToken, {
        issuer: as.issuer,
        jwksUri: as.jwks_uri,
        keySets: options.keySets,
        ...(definition.resource ? { audience: definition.resource } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : undefined;
  return {
    name,
    tier: store.tier,
    plaintext: store.plaintext,
    accessTokenPreview: mask(issued.accessToken),
    ...(issued.expiresAt !== undefined ? { expiresAt: issued.expiresAt } : {}),
    ...(verification ? { verification } : {}),
  };
}
