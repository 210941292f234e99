// Obtains one new access token for a definition: the grant, command or stored static token behind
// it. No locking, no retries, no persistence of the access token: the engine does those.
import type { AuthorizationServer } from 'oauth4webapi';
import { codes, TokenAgentError } from '../base/errors';
import { readJwtInfo } from '../base/jwtInfo';
import { redactError, redactOutside } from '../base/redact';
import type { CommandTokenDefinition, TokenDefinition } from '../config/types';
import type { SecretStore } from '../store/secretStore';
import {
  clientCredentialsGrant,
  GrantError,
  type GrantOptions,
  refreshTokenGrant,
  resolveAuthorizationServer,
} from './grants';
import { introspectToken } from './introspect';
import { runTokenCommand } from './tokenCommand';

export interface Obtained {
  accessToken: string;
  expiresInSeconds?: number;
  /** A rotated refresh token that must be persisted before the access token is handed out. */
  rotatedRefreshToken?: string;
  dateHeader?: string;
  requestStartedAt: number;
  responseReceivedAt: number;
}

/** The longest error message out of here: our words around an outside string capped at 300. */
const wholeMessageMax = 1000;

export interface ObtainContext {
  store: SecretStore;
  grant: GrantOptions;
  /** The refresh token to present, when the caller has already read it from the store. */
  refreshToken?: string;
  /** Discovery results, owned by the caller so it decides how long they live. */
  discovered: Map<string, AuthorizationServer>;
  /**
   * Receives a rotated refresh token as soon as the answer is in, before the rest of it is read (and
   * perhaps refused): the caller stores it, since the provider no longer accepts the one presented.
   */
  onRotated?: (refreshToken: string) => Promise<void>;
}

/** An id_token is checked against the issuer only when the user configured one (grants.ts). */
function grantRequest(definition: { scope?: string; resource?: string; issuer?: string }) {
  return {
    ...(definition.scope !== undefined ? { scope: definition.scope } : {}),
    ...(definition.resource !== undefined ? { resource: definition.resource } : {}),
    checkIdToken: definition.issuer !== undefined,
  };
}

/**
 * Every error out of here carries outside text (a command's stderr, a provider's error_description, a
 * response it could not read): it leaves redacted, with the secrets this request had in hand masked
 * too, and without its cause (a child process's error holds the whole stderr and command line).
 */
export async function obtainToken(definition: TokenDefinition, context: ObtainContext): Promise<Obtained> {
  const inHand: string[] = context.refreshToken ? [context.refreshToken] : [];
  try {
    return await obtainFrom(definition, context, inHand);
  } catch (error) {
    // The outside parts were capped where they were quoted (grants.ts); this cap only bounds the whole.
    throw redactError(error, (text) => redactOutside(text, { secrets: inHand, maxLength: wholeMessageMax }));
  }
}

async function obtainFrom(
  definition: TokenDefinition,
  context: ObtainContext,
  inHand: string[],
): Promise<Obtained> {
  const { store } = context;
  switch (definition.type) {
    case 'static': {
      const startedAt = context.grant.now();
      const token = await store.get(definition.name, 'static_token');
      if (!token)
        throw missingSecret(definition.name, 'static_token', 'paste it with "Token Agent: Paste Token"');
      return { accessToken: token, requestStartedAt: startedAt, responseReceivedAt: startedAt };
    }
    case 'command':
      return obtainFromCommand(definition, context, inHand);
    case 'oauth2-client-credentials': {
      const as = await authorizationServer(definition, context);
      const clientSecret = await store.get(definition.name, 'client_secret');
      if (!clientSecret)
        throw missingSecret(definition.name, 'client_secret', 'set it with `token-agent secret set`');
      inHand.push(clientSecret);
      return clientCredentialsGrant(
        as,
        { clientId: definition.clientId, clientSecret },
        grantRequest(definition),
        context.grant,
      );
    }
    case 'oauth2-refresh-token': {
      const as = await authorizationServer(definition, context);
      const refreshToken = context.refreshToken ?? (await store.get(definition.name, 'refresh_token'));
      if (!refreshToken) {
        throw new TokenAgentError(
          codes.needsSignIn,
          `Token '${definition.name}' has no refresh token yet: sign in, or set one with \`token-agent secret set ${definition.name} refresh_token\`.`,
        );
      }
      const clientSecret = await store.get(definition.name, 'client_secret');
      const { onRotated } = context;
      inHand.push(refreshToken, ...(clientSecret ? [clientSecret] : []));
      const { refreshToken: rotated, ...response } = await refreshTokenGrant(
        as,
        { clientId: definition.clientId, ...(clientSecret ? { clientSecret } : {}) },
        refreshToken,
        grantRequest(definition),
        {
          ...context.grant,
          ...(onRotated
            ? {
                onRefreshToken: (token: string) => {
                  // Masked too, should the rest of this answer be quoted in an error.
                  inHand.push(token);
                  return token === refreshToken ? Promise.resolve() : onRotated(token);
                },
              }
            : {}),
        },
      );
      return {
        ...response,
        ...(rotated && rotated !== refreshToken ? { rotatedRefreshToken: rotated } : {}),
      };
    }
  }
}

/**
 * Runs the command and dates its token: by what it printed (commandOutput.ts), else a JWT `exp` (read
 * later, in accept), else the introspection endpoint's `exp` when one is configured. What none of
 * those dates gets the definition's lifetimeSeconds or stays unknown (expiry.ts). Introspection comes
 * before lifetimeSeconds: it is the provider's word, lifetimeSeconds a guess about it.
 */
async function obtainFromCommand(
  definition: CommandTokenDefinition,
  context: ObtainContext,
  inHand: string[],
): Promise<Obtained> {
  const requestStartedAt = context.grant.now();
  const printed = await runTokenCommand(definition.command, definition.timeoutSeconds * 1000, {
    ...(definition.tokenField !== undefined ? { tokenField: definition.tokenField } : {}),
    ...(definition.expiryField !== undefined ? { expiryField: definition.expiryField } : {}),
  });
  inHand.push(printed.accessToken);
  const obtained: Obtained = {
    accessToken: printed.accessToken,
    requestStartedAt,
    responseReceivedAt: context.grant.now(),
  };
  const program = definition.command[0] ?? '';
  if (printed.expiry !== undefined) {
    const expiresInSeconds =
      'inSeconds' in printed.expiry
        ? printed.expiry.inSeconds
        : (printed.expiry.atMs - requestStartedAt) / 1000;
    if ('atMs' in printed.expiry && expiresInSeconds <= 0)
      throw new TokenAgentError(
        codes.commandFailed,
        `The token command '${program}' printed a token that has expired: its ${printed.expiryField ?? 'expiry'} says ${new Date(printed.expiry.atMs).toISOString()}. Run it yourself; a date without a zone is read as this machine's local time.`,
      );
    return { ...obtained, expiresInSeconds };
  }
  const { introspectionEndpoint, clientId } = definition;
  if (introspectionEndpoint === undefined || clientId === undefined) return obtained;
  // A JWT dates itself; only an opaque (or exp-less) token is worth a request.
  if (readJwtInfo(printed.accessToken)?.expiresAtMs !== undefined) return obtained;
  const clientSecret = await context.store.get(definition.name, 'client_secret');
  if (clientSecret) inHand.push(clientSecret);
  const { expiresAtMs } = await introspectToken(
    introspectionEndpoint,
    { clientId, ...(clientSecret ? { clientSecret } : {}) },
    printed.accessToken,
    context.grant,
  ).catch((error: unknown) => {
    // A refused client is the user's to fix, and it says which knobs there are.
    if (!(error instanceof GrantError) || (error.details.status !== 401 && error.details.status !== 403))
      throw error;
    throw new GrantError(
      error.code,
      `${error.message.replace(/\.$/, '')}: check "clientId" and the client secret (token-agent secret set ${definition.name} client_secret).`,
      error.details,
    );
  });
  if (expiresAtMs === undefined) return obtained;
  if (expiresAtMs <= obtained.responseReceivedAt)
    throw new TokenAgentError(
      codes.commandFailed,
      `The introspection endpoint ${introspectionEndpoint} says the token the command '${program}' printed expired at ${new Date(expiresAtMs).toISOString()}. Run the command yourself and sign in again with the tool behind it.`,
    );
  return { ...obtained, expiresInSeconds: (expiresAtMs - requestStartedAt) / 1000 };
}

async function authorizationServer(
  definition: { issuer?: string; tokenEndpoint?: string },
  context: ObtainContext,
): Promise<AuthorizationServer> {
  const key = definition.tokenEndpoint ?? definition.issuer ?? '';
  const cached = context.discovered.get(key);
  if (cached) return cached;
  const as = await resolveAuthorizationServer(definition, context.grant);
  context.discovered.set(key, as);
  return as;
}

function missingSecret(name: string, kind: string, how: string): TokenAgentError {
  return new TokenAgentError(
    codes.needsSignIn,
    `Token '${name}' has no ${kind} in the secret store: ${how}.`,
  );
}
