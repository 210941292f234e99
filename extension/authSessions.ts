// What Token Agent's authentication provider hands to other extensions, decided without VS Code.
// A session is one token by name: `vscode.authentication.getSession('token-agent', ['demo'])`.
// Pure (no `vscode`): unit-tested with plain data.
import type { TokenState } from '../agent/protocol';

export const authProviderId = 'token-agent';
export const authProviderLabel = 'Token Agent';

/**
 * The token a caller asks for: its one scope is the token's name. Anything else is refused with a
 * message the calling extension can show, naming the tokens there are.
 */
export function requestedToken(
  scopes: readonly string[] | undefined,
  tokens: readonly TokenState[],
): { name: string } | { error: string } {
  const names = tokens.map((t) => t.name);
  const known = names.length
    ? `one of: ${names.join(', ')}`
    : 'none is configured yet (Token Agent: Add Token)';
  const name = scopes?.length === 1 ? scopes[0] : undefined;
  if (!name) return { error: `Ask Token Agent for one token by name, as the only scope: ${known}.` };
  if (!names.includes(name)) return { error: `Token Agent has no token named '${name}': ${known}.` };
  return { name };
}

/** The sessions to list for `scopes`: every shared token, or the one named by the only scope. */
export function sessionNames(shared: readonly string[], scopes: readonly string[] | undefined): string[] {
  if (!scopes || scopes.length === 0) return [...shared];
  return scopes.length === 1 && shared.includes(scopes[0] ?? '') ? [scopes[0] ?? ''] : [];
}

/** The account a session shows in the Accounts menu: the token's name, and whose it is when known. */
export function sessionAccount(token: TokenState | undefined, name: string): { id: string; label: string } {
  return { id: name, label: token?.subject ? `${name} (${token.subject})` : name };
}

/**
 * Shared tokens whose held access token changed (refreshed, or gone) between two statuses: their
 * sessions are announced as changed, so a consumer asks again instead of using a stale token.
 */
export function changedSessions(
  shared: readonly string[],
  before: readonly TokenState[],
  after: readonly TokenState[],
): string[] {
  const stamp = (tokens: readonly TokenState[], name: string) => {
    const t = tokens.find((token) => token.name === name);
    return t ? `${t.expiresAt}:${t.lastRefreshAt}:${t.phase === 'needs-sign-in'}` : 'absent';
  };
  return shared.filter((name) => stamp(before, name) !== stamp(after, name));
}
