// RFC 7662 token introspection, asked only for a command's opaque token that says nothing of its
// expiry: the provider's `exp` dates it. Through oauth4webapi, like the grants (grants.ts), with the
// same errors. The token is sent in the request body to the configured endpoint and nowhere else;
// no message out of here quotes it.
import * as oauth from 'oauth4webapi';
import { codes, TokenAgentError } from '../base/errors';
import { type ClientCredentials, type GrantOptions, httpOptions, toGrantError } from './grants';
import { shape } from './tokenResponse';

export interface Introspected {
  /** Unix ms on the provider's clock; absent when an active answer has no `exp`. */
  expiresAtMs?: number;
}

/** Asks `endpoint` about `token`; an inactive token is ERR_COMMAND_FAILED, saying so. */
export async function introspectToken(
  endpoint: string,
  credentials: ClientCredentials,
  token: string,
  options: GrantOptions,
): Promise<Introspected> {
  const url = new URL(endpoint);
  // oauth4webapi needs an issuer; a placeholder nothing is checked against, as for a bare token endpoint.
  const as: oauth.AuthorizationServer = { issuer: url.origin, introspection_endpoint: endpoint };
  const client: oauth.Client = { client_id: credentials.clientId };
  // RFC 7662 §2.1 leaves the method to the server; Basic is what RFC 6749 §2.3.1 says every server
  // must accept for a client secret (oidc-provider, Keycloak, Okta and Ory all take it).
  const auth =
    credentials.clientSecret === undefined ? oauth.None() : oauth.ClientSecretBasic(credentials.clientSecret);
  let body: oauth.IntrospectionResponse;
  let response: Response | undefined;
  try {
    response = await oauth.introspectionRequest(as, client, auth, token, {
      ...httpOptions(url, options),
      additionalParameters: { token_type_hint: 'access_token' },
    });
    body = await oauth.processIntrospectionResponse(as, client, response);
  } catch (error) {
    throw toGrantError(error, response, `introspection endpoint ${endpoint}`);
  }
  if (!body.active)
    throw new TokenAgentError(
      codes.commandFailed,
      `The introspection endpoint ${endpoint} says the token the command printed is not active (RFC 7662 "active": false): it is expired or revoked. Run the command yourself and sign in again with the tool behind it.`,
    );
  const exp = body.exp;
  if (exp === undefined) return {};
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0)
    throw new TokenAgentError(
      codes.commandFailed,
      `The introspection endpoint ${endpoint} answered "exp" as ${shape(exp)} that is not a time in epoch seconds.`,
    );
  return { expiresAtMs: Math.round(exp * 1000) };
}
