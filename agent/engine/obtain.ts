// Obtains one new access token for a definition: the grant, command or stored static token behind
// it. No locking, no retries, no persistence of the access token: the engine does those.
import type { AuthorizationServer } from 'oauth4webapi';
import { codes, TokenAgentError } from '../base/errors';
import { redactError, redactOutside } from '../base/redact';
import type { TokenDefinition } from '../config/types';
import type { SecretStore } from '../store/secretStore';
import {
  clientCredentialsGrant,
  type GrantOptions,
  refreshTokenGrant,
  resolveAuthorizationServer,
} from './grants';
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
    case 'command': {
      const requestStartedAt = context.grant.now();
      const result = await runTokenCommand(definition.command, definition.timeoutSeconds * 1000);
      return { ...result, requestStartedAt, responseReceivedAt: context.grant.now() };
    }
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
