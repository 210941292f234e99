// The extension's answer to the agent's tokenAgent/addTokenDefinition request (the store-as-static
// quick fix): add a static definition once, leave one that is there, refuse to shadow another token.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TokenSetting } from '../../extension/settings';
import { addStaticDefinition, tokenNamePattern } from '../../extension/tokenDefinitions';

interface Manifest {
  contributes: {
    configuration: {
      properties: Record<
        string,
        { items: { required: string[]; properties: Record<string, { pattern?: string }> } }
      >;
    };
  };
}
const tokenItems = (JSON.parse(readFileSync('package.json', 'utf8')) as Manifest).contributes.configuration
  .properties['tokenAgent.tokens']?.items;

describe('addStaticDefinition', () => {
  const demo: TokenSetting = {
    name: 'demo',
    type: 'oauth2-refresh-token',
    issuer: 'https://idp',
    clientId: 'c',
  };

  it('appends {name, type: static} and keeps every other definition as it was', () => {
    assert.deepEqual(addStaticDefinition([demo], { name: 'github-token', type: 'static' }), {
      kind: 'add',
      tokens: [demo, { name: 'github-token', type: 'static' }],
    });
  });

  it('writes only the fields the settings schema declares', () => {
    const change = addStaticDefinition([], { name: 'gh', type: 'static' });
    assert.deepEqual(change, { kind: 'add', tokens: [{ name: 'gh', type: 'static' }] });
    const items = tokenItems;
    assert.ok(items);
    for (const token of change.kind === 'add' ? change.tokens : []) {
      for (const field of Object.keys(token)) assert.ok(field in items.properties, `${field} is declared`);
      for (const field of items.required) assert.ok(field in token, `${field} is present`);
    }
  });

  it('leaves a static definition of that name as it is', () => {
    const existing = { name: 'gh', type: 'static', refreshBeforeSeconds: 600 };
    assert.deepEqual(addStaticDefinition([existing], { name: 'gh', type: 'static' }), { kind: 'present' });
  });

  it('refuses when a different token has that name, or the name is not one the settings accept', () => {
    assert.deepEqual(addStaticDefinition([demo], { name: 'demo', type: 'static' }), {
      kind: 'refused',
      message: "tokenAgent.tokens already defines 'demo', as a token of type oauth2-refresh-token.",
    });
    assert.equal(addStaticDefinition([], { name: 'two words', type: 'static' }).kind, 'refused');
  });

  it("checks names with package.json's pattern", () => {
    assert.equal(tokenItems?.properties.name?.pattern, tokenNamePattern.source);
  });
});
