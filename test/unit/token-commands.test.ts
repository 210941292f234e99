import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseTokenCommand,
  renderDefinitions,
  renderRemoval,
  renderVerdict,
  type TokenCommand,
  tokenUsage,
} from '../../agent/cli/tokenCommands';
import { listEntries } from '../../agent/config/configEdits';
import type { ConfigListing } from '../../agent/config/configFile';
import { tokenTypes } from '../../agent/config/types';
import { validateConfig, validateTokens } from '../../agent/config/validate';

const fakeJwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function added(argv: string[]): Record<string, unknown> {
  const command = parseTokenCommand(argv);
  assert.equal(command.kind, 'token-add', JSON.stringify(command));
  return (command as Extract<TokenCommand, { kind: 'token-add' }>).definition;
}

function usageError(argv: string[]): string {
  const command = parseTokenCommand(argv);
  assert.equal(command.kind, 'usage-error', `${argv.join(' ')} → ${JSON.stringify(command)}`);
  return (command as { message: string }).message;
}

function listingOf(raw: Record<string, unknown>, configPath = '/home/u/.config/token-agent/config.json') {
  const result = validateConfig(raw);
  return {
    configPath,
    tokens: result.config.tokens,
    problems: result.problems,
    entries: listEntries(raw, result),
  } satisfies ConfigListing;
}

describe('parseTokenCommand', () => {
  it('builds a config entry from token add, with the config file field names', () => {
    const argv = [
      'add',
      'api',
      '--type',
      'oauth2-refresh-token',
      '--issuer=https://login.example.com',
      '--client-id',
      'cli',
      '--scope',
      'api:read api:write',
      '--resource',
      'https://api.example.com',
      '--refresh-before',
      '60',
    ];
    const expected = {
      name: 'api',
      type: 'oauth2-refresh-token',
      issuer: 'https://login.example.com',
      clientId: 'cli',
      scope: 'api:read api:write',
      resource: 'https://api.example.com',
      refreshBeforeSeconds: 60,
    };
    assert.deepEqual(added(argv), expected);
    assert.deepEqual(added(['token', ...argv]), expected, 'with the word token first, as args.ts passes it');
    const { tokens, problems } = validateTokens([expected], 'file');
    assert.deepEqual(problems, [], 'the config validation accepts what the parser builds');
    assert.equal(tokens.length, 1);
  });

  it('takes everything after -- as a command token program, flags included', () => {
    const definition = added([
      'token',
      'add',
      'gcloud',
      '--type',
      'command',
      '--timeout',
      '10',
      '--',
      'gcloud',
      'auth',
      'print-access-token',
      '--format=json',
      '--',
    ]);
    assert.deepEqual(definition, {
      name: 'gcloud',
      type: 'command',
      timeoutSeconds: 10,
      command: ['gcloud', 'auth', 'print-access-token', '--format=json', '--'],
    });
    assert.deepEqual(validateTokens([definition], 'file').problems, []);
  });

  it('leaves the judging of values to the config validation', () => {
    assert.deepEqual(added(['add', 'x', '--type', 'oauth', '--refresh-before', '999999']), {
      name: 'x',
      type: 'oauth',
      refreshBeforeSeconds: 999_999,
    });
    assert.deepEqual(added(['add', 'bad name', '--type', 'static', '--issuer', 'not a url']), {
      name: 'bad name',
      type: 'static',
      issuer: 'not a url',
    });
  });

  it('parses remove, list and config path, with --config and --no-agent anywhere', () => {
    assert.deepEqual(parseTokenCommand(['token', 'remove', 'api']), { kind: 'token-remove', name: 'api' });
    assert.deepEqual(parseTokenCommand(['remove', '--', '-odd-name']), {
      kind: 'token-remove',
      name: '-odd-name',
    });
    assert.deepEqual(parseTokenCommand(['token', '--config', 'c.json', 'list', '--json', '--no-agent']), {
      kind: 'token-list',
      json: true,
      config: 'c.json',
      noAgent: true,
    });
    assert.deepEqual(parseTokenCommand(['token', 'list']), { kind: 'token-list', json: false });
    assert.deepEqual(parseTokenCommand(['config', 'path', '--config=/tmp/x.json']), {
      kind: 'config-path',
      config: '/tmp/x.json',
    });
    assert.deepEqual(parseTokenCommand(['token', 'add', 'a', '--type', 'static', '--config', 'c.json']), {
      kind: 'token-add',
      definition: { name: 'a', type: 'static' },
      config: 'c.json',
    });
  });

  it('shows help for --help and -h', () => {
    for (const argv of [
      ['token', '--help'],
      ['token', 'add', '-h'],
      ['config', 'path', '--help'],
    ])
      assert.deepEqual(parseTokenCommand(argv), { kind: 'help' }, argv.join(' '));
  });

  it('says what to type instead of a command line it cannot use', () => {
    const cases: [string[], RegExp][] = [
      [['token'], /'token' needs add, remove or list: token-agent token list/],
      [['token', 'frob'], /got 'frob'/],
      [['config'], /token-agent config path/],
      [['token', 'add'], /needs a token name: token-agent token add NAME --type TYPE/],
      [['token', 'add', 'api'], /needs --type, one of oauth2-refresh-token.*token add api --type TYPE/],
      [['token', 'remove'], /needs a token name: token-agent token remove NAME/],
      [['token', 'remove', 'a', 'b'], /unexpected argument 'b'/],
      [['token', 'add', 'a', 'b', '--type', 'command'], /unexpected argument 'b'.*after --type command --/],
      [['token', 'add', 'a', '--type', 'static', '--', 'x'], /needs --type command, not --type static/],
      [['token', 'add', 'a', '--type', 'command'], /program after '--'.*--type command -- PROGRAM/],
      [['token', 'add', 'a', '--type', 'command', '--'], /program after '--'/],
      [['token', 'add', 'a', '--type', 'static', '--refresh-before', '2m'], /whole seconds.*got '2m'/],
      [['token', 'add', 'a', '--type', 'static', '--refresh-before', '-5'], /needs a value|whole seconds/],
      [
        ['token', 'add', 'a', '--type', 'command', '--timeout=1.5', '--', 'x'],
        /--timeout takes whole seconds/,
      ],
      [['token', 'add', 'a', '--type', 'static', '--scope', 'x', '--scope', 'y'], /--scope is given twice/],
      [['token', 'add', 'a', '--type', 'static', '--issuer'], /--issuer needs a value: --issuer ISSUER/],
      [['token', 'add', 'a', '--type', 'static', '--clientId', 'x'], /did you mean --client-id\?/],
      [['token', 'add', 'a', '--type', 'static', '--bogus'], /Unknown option '--bogus'.*--token-endpoint/],
      [['token', 'list', '--type', 'static'], /Unknown option '--type' for 'token list'/],
      [['config', 'path', '--json'], /Unknown option '--json' for 'config path'/],
      [['token', 'list', '--json=yes'], /--json takes no value/],
    ];
    for (const [argv, message] of cases) assert.match(usageError(argv), message, argv.join(' '));
  });

  it('refuses secrets on the command line without echoing them, and says how to store them', () => {
    for (const [flag, kind] of [
      ['--client-secret', 'client_secret'],
      ['--refresh_token', 'refresh_token'],
      ['--token', 'static_token'],
      ['--clientSecret', 'client_secret'],
      ['--bearer-token', 'static_token'],
    ]) {
      const message = usageError(['token', 'add', 'a', '--type', 'static', `${flag}=fake-secret-1234`]);
      assert.doesNotMatch(message, /fake-secret-1234/);
      assert.match(message, new RegExp(`token-agent secret set NAME ${kind}', which reads it from stdin`));
    }
  });

  it('masks a token-shaped value it has to quote back', () => {
    const message = usageError(['token', 'remove', 'a', fakeJwt]);
    assert.doesNotMatch(message, new RegExp(fakeJwt.slice(10)));
  });
});

describe('tokenUsage', () => {
  it('lines up with the main help: commands at column 2, descriptions at column 35, 110 columns at most', () => {
    const lines = tokenUsage.trimEnd().split('\n');
    assert.ok(tokenUsage.endsWith('\n'));
    for (const [i, line] of lines.entries()) {
      assert.ok(line.length <= 110, line);
      if (!/^ {2}(token|config) /.test(line)) {
        assert.match(line, /^ {35}\S/, 'a continued description starts at column 35');
        continue;
      }
      const described = /^ {2}\S.*? {2,}(\S.*)$/.exec(line);
      if (described) assert.equal(line.indexOf(described[1] as string), 35, line);
      else
        assert.match(
          lines[i + 1] ?? '',
          /^ {35}\S/,
          `a long synopsis is followed by its description: ${line}`,
        );
    }
    for (const type of tokenTypes) assert.match(tokenUsage, new RegExp(type));
    for (const command of ['token add', 'token remove', 'token list', 'config path'])
      assert.match(tokenUsage, new RegExp(`^ {2}${command}`, 'm'));
  });
});

describe('renderDefinitions', () => {
  const raw = {
    tokens: [
      { name: 'api', type: 'oauth2-refresh-token', issuer: 'https://login.example.com', clientId: 'cli' },
      { name: 'gcloud', type: 'command', command: ['gcloud', 'auth', 'print-access-token'], note: 'x' },
      { name: 'pasted', type: 'static', refreshBeforeSeconds: 600 },
      { name: 'svc', type: 'oauth2-client-credentials', tokenEndpoint: 'https://login.example.com/token' },
    ],
  };

  it('shows one row per entry, lined up, and each problem of a broken entry on its own line', () => {
    const text = renderDefinitions(listingOf(raw));
    const lines = text.split('\n');
    const header = lines[0] ?? '';
    assert.match(header, /^TOKEN +TYPE +ENDPOINT OR COMMAND +REFRESH$/);
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `)) ?? '';
    assert.match(
      row('api'),
      /oauth2-refresh-token +issuer https:\/\/login\.example\.com +120s before expiry/,
    );
    assert.match(row('gcloud'), /\$ gcloud auth print-access-token +120s before expiry/);
    assert.match(row('pasted'), /static +- +warns 600s before expiry/);
    assert.match(row('svc'), /disabled, see below/);
    for (const name of ['api', 'gcloud', 'pasted', 'svc'])
      assert.equal(/^\S+ +/.exec(row(name))?.[0].length, header.indexOf('TYPE'), `${name}'s TYPE column`);
    assert.match(text, /\nBroken entries, disabled until fixed:\n {2}token 'svc': "clientId" is required\n/);
    assert.match(text, /\nWarnings:\n {2}token 'gcloud': unknown field "note" is ignored\n/);
    assert.ok(text.endsWith('\nConfig file: /home/u/.config/token-agent/config.json\n'));
  });

  it('renders the user agent answer (protocol DefinitionList) the same way', () => {
    const text = renderDefinitions({
      configPath: '/c.json',
      tokens: [
        { name: 'api', entry: raw.tokens[0] as Record<string, unknown> },
        {
          name: 'svc',
          entry: raw.tokens[3] as Record<string, unknown>,
          problems: ['token \'svc\': "clientId" is required'],
        },
      ],
      problems: ['unknown top-level field "x" is ignored'],
    });
    assert.match(
      text,
      /^api +oauth2-refresh-token +issuer https:\/\/login\.example\.com +120s before expiry$/m,
    );
    assert.match(text, /^svc .*disabled, see below$/m);
    assert.match(text, /Broken entries, disabled until fixed:\n {2}token 'svc': "clientId" is required\n/);
    assert.match(text, /Config file problems:\n {2}unknown top-level field "x" is ignored\n/);
  });

  it('says how to add a token when there is none, with the file problems', () => {
    const text = renderDefinitions(listingOf({ store: 'vault' }, '/c.json'));
    assert.match(
      text,
      /^No tokens defined in \/c\.json\.\nAdd one: token-agent token add NAME --type TYPE\n/,
    );
    assert.match(text, /Config file problems:\n {2}error: "store" must be one of/);
  });

  it('never prints a secret pasted into a field, and no control characters', () => {
    const text = renderDefinitions(
      listingOf({
        tokens: [
          { name: 'cmd', type: 'command', command: ['curl', '-H', `Authorization: Bearer ${fakeJwt}`] },
          {
            name: 'svc',
            type: 'oauth2-client-credentials',
            clientId: 'svc',
            tokenEndpoint: 'https://login.example.com/token?client_secret=fake-client-secret-value',
          },
          { name: 'evil\u001b[31m', type: 'static' },
        ],
      }),
    );
    assert.doesNotMatch(text, new RegExp(fakeJwt.slice(10)));
    assert.doesNotMatch(text, /fake-client-secret-value/);
    assert.ok(!text.includes('\u001b'), 'no escape character');
  });
});

describe('renderVerdict and renderRemoval', () => {
  it('says where the token went and what to do next', () => {
    const { tokens } = validateTokens(
      [
        {
          name: 'api',
          type: 'oauth2-client-credentials',
          tokenEndpoint: 'https://l.example/t',
          clientId: 'c',
        },
      ],
      'file',
    );
    const definition = tokens[0];
    assert.ok(definition);
    assert.equal(
      renderVerdict({ ok: true, definition, replaced: false, problems: [] }, '/c.json'),
      "Added 'api' to /c.json.\nNext: store its client secret with 'token-agent secret set api client_secret' (reads stdin).\n",
    );
    const replaced = renderVerdict(
      { ok: true, replaced: true, warnings: ['token \'api\': unknown field "x" is ignored'] },
      '/c.json',
      { name: 'api', type: 'oauth2-refresh-token' },
    );
    assert.equal(
      replaced,
      "Replaced 'api' in /c.json.\n  warning: token 'api': unknown field \"x\" is ignored\nNext: sign in with 'token-agent login api'.\n",
    );
  });

  it('prints each problem of a refused definition on its own line, and that the file is unchanged', () => {
    const { problems } = validateTokens(
      [{ name: 'api', type: 'oauth2-refresh-token', scope: ['a'] }],
      'file',
    );
    const text = renderVerdict({ ok: false, problems }, '/c.json');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'Not added; /c.json is unchanged:');
    assert.equal(lines.length, 1 + problems.length);
    assert.ok(problems.length >= 3, 'clientId, issuer and scope are each a problem');
    for (const [i, problem] of problems.entries()) assert.equal(lines[i + 1], `  error: ${problem.message}`);
    assert.match(
      renderVerdict({ ok: false, problems: [{ message: 'token \'a\': "type" is required' }] }, '/c.json'),
      /^Not added; \/c\.json is unchanged:\n {2}error: token 'a': "type" is required\n$/,
    );
  });

  it('says whether a removal removed anything', () => {
    assert.equal(renderRemoval({ removed: true }, 'api', '/c.json'), "Removed 'api' from /c.json.\n");
    assert.equal(
      renderRemoval({ removed: false }, 'api', '/c.json'),
      "No token named 'api' in /c.json; nothing changed.\n",
    );
  });
});
