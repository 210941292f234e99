// What to do with the agent's `tokenAgent/addTokenDefinition` request (sent by the store-as-static
// quick fix). Pure (no `vscode`) so that unit tests can call it; Ctx applies the result.
import type * as protocol from '../agent/protocol';
import type { TokenSetting } from './settings';

export type DefinitionChange =
  /** The new `tokenAgent.tokens` value. */
  | { kind: 'add'; tokens: TokenSetting[] }
  /** A static token of that name is already defined: nothing to write. */
  | { kind: 'present' }
  /** One sentence for the agent to pass on; it crosses as ERR_CONFIG_INVALID. */
  | { kind: 'refused'; message: string };

// package.json's pattern for `tokenAgent.tokens[].name` (a unit test keeps the two equal): a name the
// settings schema rejects would leave the user with a red squiggle and a disabled token.
export const tokenNamePattern = /^[A-Za-z0-9._-]{1,64}$/;

export function addStaticDefinition(
  tokens: readonly TokenSetting[],
  definition: protocol.AddTokenDefinitionParams['definition'],
): DefinitionChange {
  const { name, type } = definition;
  if (typeof name !== 'string' || !tokenNamePattern.test(name))
    return { kind: 'refused', message: `${JSON.stringify(name)} is not a valid token name.` };
  if (type !== 'static')
    return { kind: 'refused', message: `Only static tokens can be added this way, not '${String(type)}'.` };
  const existing = tokens.find((token) => token.name === name);
  if (existing?.type === 'static') return { kind: 'present' };
  if (existing)
    return {
      kind: 'refused',
      message: `tokenAgent.tokens already defines '${name}', as a token of type ${existing.type}.`,
    };
  return { kind: 'add', tokens: [...tokens, { name, type: 'static' }] };
}
