// Keeps docs/protocol.md in step with agent/protocol.ts, as rust-analyzer does for lsp-extensions.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { methods } from '../../agent/protocol';

const doc = readFileSync('docs/protocol.md', 'utf8');
const source = readFileSync('agent/protocol.ts', 'utf8');

interface DocumentedMethod {
  method: string;
  kind: string;
  direction: string;
}

function documentedMethods(markdown: string): DocumentedMethod[] {
  const sections = markdown.split(/^## /m).slice(1);
  return sections.flatMap((section) => {
    const method = /^`([^`]+)`/.exec(section)?.[1];
    if (!method) return [];
    const facts = /\*\*Kind:\*\* (\w+) · \*\*Direction:\*\* (.+)$/m.exec(section);
    return [{ method, kind: facts?.[1] ?? '(missing)', direction: facts?.[2]?.trim() ?? '(missing)' }];
  });
}

describe('docs/protocol.md', () => {
  it('documents every method of agent/protocol.ts with its kind and direction, and nothing else', () => {
    const byName = (a: DocumentedMethod, b: DocumentedMethod) => a.method.localeCompare(b.method);
    assert.deepEqual(documentedMethods(doc).sort(byName), [...methods].map((m) => ({ ...m })).sort(byName));
  });

  it('was reviewed after the last change to agent/protocol.ts', () => {
    const hash = createHash('sha256').update(source.replace(/\r\n/g, '\n')).digest('hex').slice(0, 16);
    const recorded = /<!-- protocol\.ts sha256: ([0-9a-f]+) -->/.exec(doc)?.[1];
    assert.equal(
      recorded,
      hash,
      `agent/protocol.ts changed: update docs/protocol.md to match, then set its hash comment to ${hash}`,
    );
  });

  it('names only methods in the tokenAgent/ namespace', () => {
    for (const { method } of methods) assert.match(method, /^tokenAgent\/[a-z][A-Za-z]+$/);
  });
});
