// Item 9 of #13: the diagnostics' documentation link points at the real rules document — the
// repository's page when package.json names a real one, else docs/rules.md as shipped — never a
// placeholder host.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ruleInfos } from '../../agent/lint/rules';
import { renderRulesDoc } from '../../agent/lint/rulesDoc';
import {
  findShippedRulesDoc,
  headingLines,
  isPlaceholderHost,
  repositoryRulesUrl,
  rulesDocLinks,
} from '../../agent/lint/rulesDocLink';

describe('rules documentation links', () => {
  it('never links to a placeholder host', () => {
    for (const host of [
      'example.invalid',
      'x.example',
      'a.test',
      'example.com',
      'docs.example.org',
      'localhost',
    ])
      assert.equal(isPlaceholderHost(host), true, host);
    for (const host of ['github.com', 'gitlab.example-corp.net', 'examples.com'])
      assert.equal(isPlaceholderHost(host), false, host);
    assert.equal(repositoryRulesUrl('https://example.invalid/token-agent.git'), undefined);
    assert.equal(repositoryRulesUrl('http://github.com/o/r'), undefined, 'https only');
    assert.equal(repositoryRulesUrl('not a url'), undefined);
    assert.equal(
      repositoryRulesUrl('git+https://github.com/o/r.git'),
      'https://github.com/o/r/blob/HEAD/docs/rules.md',
    );
  });

  it('anchors a real repository page by rule id', () => {
    const links = rulesDocLinks('https://github.com/o/r.git', undefined);
    assert.equal(links.rule('github-token'), 'https://github.com/o/r/blob/HEAD/docs/rules.md#github-token');
  });

  it('otherwise links the shipped document at the line of each rule heading', () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-agent-docs-'));
    try {
      mkdirSync(join(dir, 'docs'));
      mkdirSync(join(dir, 'dist'));
      const doc = renderRulesDoc();
      writeFileSync(join(dir, 'docs', 'rules.md'), doc);
      const shipped = findShippedRulesDoc(join(dir, 'dist'));
      assert.equal(shipped, join(dir, 'docs', 'rules.md'));
      const links = rulesDocLinks('https://example.invalid/token-agent.git', shipped);
      const lines = doc.split('\n');
      for (const rule of ruleInfos) {
        const href = new URL(links.rule(rule.id) ?? '');
        assert.equal(fileURLToPath(href), shipped);
        assert.equal(lines[Number(href.hash.slice(2)) - 1], `### ${rule.id}`, rule.id);
      }
      assert.equal(links.rule('no-such-rule'), links.document, 'an unknown rule gets the document');
      assert.equal(findShippedRulesDoc(join(tmpdir(), 'no', 'such', 'dir', 'at', 'all')), undefined);
      assert.equal(rulesDocLinks(undefined, undefined).rule('jwt'), undefined, 'no document, no link');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds every rule heading of the generated document', () => {
    const lines = headingLines(renderRulesDoc());
    for (const rule of ruleInfos) assert.ok(lines.has(rule.id), rule.id);
  });
});
