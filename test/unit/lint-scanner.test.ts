// scanText: positions, suppression comments, path filters, overlaps and live tokens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import { scanText } from '../../agent/lint/scanner';
import { checksummedToken, fakeJwt } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(11);
const github = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

describe('scanText positions', () => {
  it('gives offsets and 1-based lines and columns, the end column just past the match', () => {
    const token = github();
    const text = `first line\n  const t = "${token}";\n`;
    const [finding] = scanText(text);
    assert.ok(finding);
    assert.equal(text.slice(finding.start, finding.end), token);
    assert.deepEqual(
      [finding.line, finding.column, finding.endLine, finding.endColumn],
      [2, 14, 2, 14 + token.length],
    );
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.provider, 'GitHub');
  });

  it('spans lines for a PEM key', () => {
    // `MII` announces at least 256 bytes of DER: a body of 403 base64 characters, 7 lines.
    const body = `MII${randomString(r, 400, alphabets.b64)}`.match(/.{1,64}/g)?.join('\n');
    const text = `x\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    const [finding] = scanText(text);
    assert.deepEqual([finding?.line, finding?.endLine, finding?.endColumn], [2, 10, 26]);
  });
});

describe('inline suppression', () => {
  it('honours token-agent:allow, gitleaks:allow and pragma: allowlist secret on the line', () => {
    for (const marker of ['// token-agent:allow', '# gitleaks:allow', '# pragma: allowlist secret']) {
      assert.deepEqual(scanText(`t = "${github()}" ${marker}\n`), [], marker);
    }
  });

  it('honours pragma: allowlist nextline secret for the next line only', () => {
    const text = `# pragma: allowlist nextline secret\nt = "${github()}"\nu = "${github()}"\n`;
    assert.deepEqual(
      scanText(text).map((f) => f.line),
      [3],
    );
  });
});

describe('path filters', () => {
  it('runs only the provider formats on minified bundles, by name and by line length', () => {
    const text = `var a="${github()}";`;
    const generic = `var b={password:"${randomString(r, 24, alphabets.alnum)}"};`;
    assert.equal(scanText(`${text}${generic}`, { path: 'dist/app.min.js' }).length, 1);
    assert.equal(scanText(`${'x'.repeat(3000)}\n${text}`, { path: 'dist/app.js' }).length, 1);
    assert.equal(scanText(`${'x'.repeat(3000)}\n${generic}`, { path: 'dist/app.js' }).length, 0);
    assert.equal(scanText(`${text}\n${generic}`, { path: 'src/app.js' }).length, 2);
  });

  it('keeps context rules quiet in lockfiles and skips integrity hashes anywhere', () => {
    const value = randomString(r, 30, alphabets.password);
    assert.equal(scanText(`"token": "${value}"`, { path: 'package-lock.json' }).length, 0);
    assert.equal(scanText(`"token": "${value}"`, { path: 'config.json' }).length, 1);
    const sri = `<script integrity="sha384-AKIA${randomString(r, 16, alphabets.base32)}"></script>`;
    assert.equal(scanText(sri).length, 0);
  });
});

describe('query parameters', () => {
  it('skips the token of a badge image URL (a graph token published for READMEs), not an API call', () => {
    const token = randomString(rng(5), 10, alphabets.alnum);
    const badge = `[![codecov](https://codecov.io/gh/org/repo/graph/badge.svg?token=${token}&flag=api)](https://codecov.io/gh/org/repo)`;
    assert.deepEqual(scanText(badge, { path: 'README.md' }), []);
    const shield = `![x](https://img.shields.io/endpoint?url=x&token=${token}${token})`;
    assert.deepEqual(scanText(shield, { path: 'README.md' }), []);
    const call = `curl "https://api.internal/v1/items?token=${token}${token}&page=2"`;
    assert.deepEqual(
      scanText(call, { path: 'fetch.sh' }).map((f) => f.rule),
      ['generic-secret'],
    );
  });
});

describe('overlapping findings', () => {
  it('keeps the most specific rule: a JWT assigned to `token` is a JWT, not a generic secret', () => {
    const jwt = fakeJwt({ sub: 'x' });
    const findings = scanText(`export const token = '${jwt}';\n`);
    assert.deepEqual(
      findings.map((f) => [f.rule, f.column]),
      [['jwt', 23]],
    );
  });
});

describe('live tokens', () => {
  it('reports a value equal to a held token as an error, whatever its format', () => {
    const live = new LiveTokenIndex();
    const opaque = randomString(r, 28, alphabets.alnum);
    live.update('api', opaque);
    const findings = scanText(
      `const x = "${opaque}";\nexport TOKEN=${opaque}\ncurl -u "user:${opaque}" x\n`,
      {
        liveTokens: live,
      },
    );
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.line, f.message]),
      [
        ['live-token', 'error', 1, "Live token 'api' hard-coded"],
        ['live-token', 'error', 2, "Live token 'api' hard-coded"],
        ['live-token', 'error', 3, "Live token 'api' hard-coded"],
      ],
    );
  });

  it('wins over the format rule for a held provider token, and forgets tokens it no longer holds', () => {
    const live = new LiveTokenIndex();
    const token = github();
    live.update('gh', token);
    assert.deepEqual(
      scanText(`t = "${token}"`, { liveTokens: live }).map((f) => f.rule),
      ['live-token'],
    );
    live.update('gh', undefined);
    assert.equal(live.size, 0);
    assert.deepEqual(
      scanText(`t = "${token}"`, { liveTokens: live }).map((f) => f.rule),
      ['github-token'],
    );
  });

  it('keeps only keyed digests: no raw token anywhere in the index', () => {
    const token = randomString(r, 40, alphabets.alnum);
    const a = new LiveTokenIndex();
    a.update('t', token);
    assert.equal(a.match(token), 't');
    assert.equal(a.match(`${token.slice(0, -1)}x`), undefined);
    const dump = JSON.stringify(
      Object.getOwnPropertyNames(a).map((k) => (a as unknown as Record<string, unknown>)[k]),
    );
    assert.ok(!dump.includes(token));
    assert.ok(!inspect(a, { showHidden: true, depth: 5 }).includes(token));
    const versionBefore = a.version;
    a.update('t', token);
    assert.equal(a.version, versionBefore, 'an unchanged token does not bump the version');
    assert.equal(a.replaceAll([['t', token]]), false);
    assert.equal(a.replaceAll([['u', token]]), true);
    assert.equal(a.match(token), 'u');
    assert.equal(a.size, 1);
  });
});
