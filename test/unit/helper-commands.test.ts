// The command line of the helpers and of `status NAME`, the definitions' `urls` and `username`
// fields, and the "still valid?" verdict.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';
import { validity } from '../../agent/cli/statusCheck';
import { parseTokenCommand } from '../../agent/cli/tokenCommands';
import { validateConfig } from '../../agent/config/validate';
import type { TokenState } from '../../agent/protocol';

describe('helper command lines', () => {
  it('parses git-credential, docker-credential and kube-credential with a 60 s default validity', () => {
    assert.deepEqual(parseCommandLine(['git-credential', 'get']), {
      kind: 'git-credential',
      action: 'get',
      minValidSeconds: 60,
    });
    assert.deepEqual(parseCommandLine(['docker-credential', 'list', '--no-agent']), {
      kind: 'docker-credential',
      action: 'list',
      minValidSeconds: 60,
      noAgent: true,
    });
    assert.deepEqual(
      parseCommandLine(['kube-credential', 'api', '--min-valid', '30', '--config', 'c.json']),
      {
        kind: 'kube-credential',
        name: 'api',
        minValidSeconds: 30,
        config: 'c.json',
      },
    );
  });

  it('says what is missing', () => {
    for (const [argv, message] of [
      [['git-credential'], /needs an action/],
      [['kube-credential'], /needs a token name/],
      [['git-credential', 'get', 'extra'], /unexpected argument 'extra'/],
      [['kube-credential', 'api', '--min-valid', 'soon'], /whole seconds/],
      [['status', '--min-valid', '5'], /needs a token name/],
    ] as const) {
      const command = parseCommandLine(argv);
      assert.equal(command.kind, 'usage-error', argv.join(' '));
      assert.match((command as { message: string }).message, message);
    }
  });

  it('status NAME is the quiet check; status alone is still the table', () => {
    assert.deepEqual(parseCommandLine(['status', 'api', '--min-valid', '60']), {
      kind: 'status-check',
      name: 'api',
      minValidSeconds: 60,
      verbose: false,
    });
    assert.equal((parseCommandLine(['status', 'api', '--verbose']) as { verbose: boolean }).verbose, true);
    assert.deepEqual(parseCommandLine(['status', '--json']), { kind: 'status', json: true });
  });
});

describe("status NAME's verdict", () => {
  const now = 1_800_000_000_000;
  const state = (fields: Partial<TokenState>): TokenState => ({
    name: 'api',
    type: 'oauth2-refresh-token',
    phase: 'fresh',
    refreshBeforeSeconds: 120,
    ...fields,
  });

  it('0 when valid long enough, 1 when expiring sooner, expired or needing a sign-in, 2 when unknown', () => {
    assert.equal(validity('api', state({ expiresAt: now + 61_000 }), now, 60).code, 0);
    assert.equal(validity('api', state({ expiresAt: now + 59_000 }), now, 60).code, 1);
    assert.equal(validity('api', state({ expiresAt: now - 1 }), now, 0).code, 1);
    assert.equal(
      validity('api', state({ phase: 'needs-sign-in', expiresAt: now + 600_000 }), now, 0).code,
      1,
    );
    assert.equal(validity('api', undefined, now, 0).code, 2);
    assert.match(validity('api', undefined, now, 0).line, /no token named 'api'/);
  });

  it('a held token with no known expiry is valid; nothing held with an error is not', () => {
    assert.equal(validity('api', state({ type: 'static' }), now, 3600).code, 0);
    assert.equal(
      validity(
        'api',
        state({ phase: 'error', lastError: { code: 'ERR_REFRESH_FAILED', message: 'x' } }),
        now,
        0,
      ).code,
      1,
    );
  });
});

describe('the urls and username fields', () => {
  const token = (fields: Record<string, unknown>) => ({
    tokens: [{ name: 'gh', type: 'static', ...fields }],
  });

  it('keeps valid urls and username, for every type, and is idempotent', () => {
    const first = validateConfig(
      token({ urls: ['https://git.example.com/team/', 'http://127.0.0.1:8080/'], username: 'oauth2' }),
    );
    assert.deepEqual(first.problems, []);
    assert.deepEqual(first.config.tokens[0], {
      type: 'static',
      name: 'gh',
      refreshBeforeSeconds: 120,
      urls: ['https://git.example.com/team/', 'http://127.0.0.1:8080/'],
      username: 'oauth2',
    });
    const again = validateConfig({ tokens: first.config.tokens });
    assert.deepEqual(again, first);
  });

  it('refuses URLs that would leak the token or hide a password, without echoing them', () => {
    for (const urls of [
      ['http://git.example.com/'],
      ['https://user:fake-pw@git.example.com/'],
      ['git.example.com'],
      ['https://git.example.com/?q=1'],
      [],
      'https://git.example.com/',
    ]) {
      const result = validateConfig(token({ urls }));
      assert.deepEqual(result.config.tokens, [], JSON.stringify(urls));
      const problem = result.problems.find((p) => p.field === 'urls');
      assert.ok(problem, JSON.stringify(urls));
      assert.doesNotMatch(problem.message, /fake-pw/);
    }
  });

  it('refuses a username with a colon, a newline or nothing in it', () => {
    for (const username of ['a:b', 'a\nb', '', 42]) {
      const result = validateConfig(token({ username }));
      assert.deepEqual(result.config.tokens, [], String(username));
      assert.ok(result.problems.some((p) => p.field === 'username'));
    }
  });
});

describe('token add --url and --username', () => {
  it('collects repeated --url into urls, in order, and the config validation accepts the entry', () => {
    const command = parseTokenCommand([
      'token',
      'add',
      'gh',
      '--url',
      'https://github.com/team/',
      '--type',
      'static',
      '--url=https://ghcr.io',
      '--username',
      'oauth2',
    ]);
    assert.equal(command.kind, 'token-add');
    const definition = (command as { definition: Record<string, unknown> }).definition;
    assert.deepEqual(definition, {
      name: 'gh',
      type: 'static',
      urls: ['https://github.com/team/', 'https://ghcr.io'],
      username: 'oauth2',
    });
    assert.deepEqual(validateConfig({ tokens: [definition] }).problems, []);
  });

  it('still refuses --username twice', () => {
    const command = parseTokenCommand([
      'token',
      'add',
      'gh',
      '--type',
      'static',
      '--username',
      'a',
      '--username',
      'b',
    ]);
    assert.equal(command.kind, 'usage-error');
  });
});
