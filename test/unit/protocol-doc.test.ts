// docs/protocol.md is generated from agent/protocol.ts (as rust-analyzer's lsp-extensions.md is kept in
// step with its source): the committed page must be exactly what the generator renders now.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { methods } from '../../agent/protocol';
import { renderProtocolDoc } from '../../scripts/protocolDoc';

describe('docs/protocol.md', () => {
  it('is what npm run docs:protocol renders from agent/protocol.ts', () => {
    const committed = readFileSync('docs/protocol.md', 'utf8');
    assert.ok(committed === renderProtocolDoc(), 'docs/protocol.md is stale: run npm run docs:protocol');
  });

  it('documents every method, with its kind, direction and every type it names', () => {
    const doc = renderProtocolDoc();
    for (const m of methods) {
      assert.match(
        doc,
        new RegExp(
          `## \`${m.method}\`\\n\\n- \\*\\*Kind:\\*\\* ${m.kind} · \\*\\*Direction:\\*\\* ${m.direction}`,
        ),
      );
      for (const type of [m.params, m.result ?? 'none'])
        if (/^[A-Z]\w+$/.test(type)) assert.match(doc, new RegExp(`(interface|type) ${type}\\b`), type);
    }
  });

  it('names only methods in the tokenAgent/ namespace', () => {
    for (const { method } of methods) assert.match(method, /^tokenAgent\/[a-z][A-Za-z]+$/);
  });

  it('renders a change of the module: the check can fail', () => {
    const tmp = join(tmpdir(), `protocol-${process.pid}.ts`);
    writeFileSync(
      tmp,
      `${readFileSync('agent/protocol.ts', 'utf8')}\nexport interface AddedLater { x: number }\n`,
    );
    assert.notEqual(renderProtocolDoc(tmp), renderProtocolDoc());
  });
});
