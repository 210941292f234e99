import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { resolveConfigPath, resolveDataDir } from '../../agent/config/paths';
import type { AgentConfig } from '../../agent/config/types';
import {
  isLoopbackHost,
  mergeConfigs,
  parseConfig,
  validateConfig,
  validateTokens,
} from '../../agent/config/validate';
import { fakeJwt } from '../support/fakeTokens';

const example = {
  store: 'keychain',
  tokens: [
    {
      name: 'demo',
      type: 'oauth2-refresh-token',
      issuer: 'https://idp.example.com',
      clientId: 'cli',
      scope: 'api:read',
      resource: 'https://api.example.com',
      refreshBeforeSeconds: 120,
    },
    {
      name: 'svc',
      type: 'oauth2-client-credentials',
      tokenEndpoint: 'https://idp.example.com/token',
      clientId: 'svc',
      scope: 'api:write',
    },
    { name: 'gcloud', type: 'command', command: ['gcloud', 'auth', 'print-access-token'] },
    { name: 'pasted', type: 'static' },
  ],
};

const messages = (result: { problems: { message: string }[] }) => result.problems.map((p) => p.message);
const names = (config: AgentConfig) => config.tokens.map((t) => t.name);
/** Validates one token entry with the given fields on top of a valid client-credentials token. */
const svcWith = (fields: Record<string, unknown>) =>
  validateConfig({
    tokens: [
      {
        name: 'svc',
        type: 'oauth2-client-credentials',
        tokenEndpoint: 'https://idp.example.com/token',
        clientId: 'svc',
        ...fields,
      },
    ],
  });

describe('validateConfig', () => {
  it('reads the documented example into typed definitions with defaults filled in', () => {
    const { config, problems } = validateConfig(example);
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      store: 'keychain',
      tokens: [
        {
          type: 'oauth2-refresh-token',
          name: 'demo',
          issuer: 'https://idp.example.com',
          clientId: 'cli',
          scope: 'api:read',
          resource: 'https://api.example.com',
          refreshBeforeSeconds: 120,
          refreshBudgetPerHour: 60,
        },
        {
          type: 'oauth2-client-credentials',
          name: 'svc',
          tokenEndpoint: 'https://idp.example.com/token',
          clientId: 'svc',
          scope: 'api:write',
          refreshBeforeSeconds: 120,
          refreshBudgetPerHour: 60,
        },
        {
          type: 'command',
          name: 'gcloud',
          command: ['gcloud', 'auth', 'print-access-token'],
          timeoutSeconds: 30,
          refreshBeforeSeconds: 120,
          refreshBudgetPerHour: 60,
        },
        { type: 'static', name: 'pasted', refreshBeforeSeconds: 120 },
      ],
    });
  });

  it('is idempotent: a validated config validates to itself without problems', () => {
    const once = validateConfig(example).config;
    assert.deepEqual(validateConfig(once), { config: once, problems: [] });
  });

  it('defaults to the keychain and no tokens, and carries redis through', () => {
    assert.deepEqual(validateConfig({}), { config: { store: 'keychain', tokens: [] }, problems: [] });
    assert.deepEqual(validateConfig({ store: 'memory', redis: 'redis://localhost:6379' }).config, {
      store: 'memory',
      redis: 'redis://localhost:6379',
      tokens: [],
    });
  });

  it('takes redis as one URL, or as an object naming a node, a cluster or a Sentinel group', () => {
    const forms = [
      'rediss://:hunter2@cache.example:6380/2',
      { url: 'redis://127.0.0.1:6390', keyEnv: 'TEAM_KEY', prefix: 'team-a' },
      { cluster: ['redis://127.0.0.1:7001', 'redis://127.0.0.1:7002'] },
      { sentinel: { name: 'mymaster', nodes: ['redis://127.0.0.1:26379'] } },
    ];
    for (const redis of forms) {
      const result = validateConfig({ redis });
      assert.deepEqual(result, { config: { store: 'keychain', redis, tokens: [] }, problems: [] });
      assert.deepEqual(validateConfig(result.config), result, 'idempotent');
    }
  });

  it('turns team mode off for a bad redis value, without echoing a URL', () => {
    const cases: [unknown, string][] = [
      ['http://:hunter2@h', '"redis" must be a redis:// or rediss:// URL; team mode is off'],
      [{}, '"redis" needs exactly one of "url", "cluster" and "sentinel", got 0; team mode is off'],
      [
        { url: 'redis://:hunter2@h', cluster: ['redis://h:1'] },
        '"redis" needs exactly one of "url", "cluster" and "sentinel", got 2; team mode is off',
      ],
      [
        { cluster: ['redis://:hunter2@h:1', 'h:2'] },
        '"redis.cluster" must be a non-empty array of redis:// or rediss:// URLs; team mode is off',
      ],
      [
        { sentinel: { nodes: ['redis://h:26379'] } },
        '"redis.sentinel" must be an object with a non-empty "name" (the master\'s) and "nodes"; team mode is off',
      ],
      [
        { url: 'redis://h', keyEnv: 'NOT-A-NAME' },
        '"redis.keyEnv" must be an environment variable name, got "NOT-A-NAME"; team mode is off',
      ],
      [
        { url: 'redis://h', prefix: '{team}' },
        "\"redis.prefix\" must be 1 to 64 letters, digits, '.', '_', ':' or '-', got \"{team}\"; team mode is off",
      ],
    ];
    for (const [redis, message] of cases) {
      const result = validateConfig({ redis });
      assert.equal(result.config.redis, undefined);
      assert.deepEqual(messages(result), [message]);
      assert.ok(!JSON.stringify(result).includes('hunter2'));
    }
    assert.deepEqual(messages(validateConfig({ redis: { url: 'redis://h', tls: true } })), [
      'unknown field "redis.tls" is ignored',
    ]);
  });

  it('falls back to the keychain, never to plaintext, when the store is misspelt', () => {
    const result = validateConfig({ store: 'vault' });
    assert.equal(result.config.store, 'keychain');
    assert.deepEqual(result.problems, [
      {
        severity: 'error',
        source: 'file',
        field: 'store',
        message: '"store" must be one of keychain, file, memory, got "vault"; using keychain',
      },
    ]);
  });

  it('rejects a config that is not an object, and a redis value that is not a string without echoing it', () => {
    assert.deepEqual(messages(validateConfig([])), ['the config must be a JSON object, got an empty array']);
    assert.deepEqual(messages(validateConfig(null)), ['the config must be a JSON object, got null']);
    assert.deepEqual(messages(validateConfig({ redis: ['redis://:hunter2@h'] })), [
      '"redis" must be a redis:// or rediss:// URL or an object with "url", "cluster" or "sentinel", got an array; team mode is off',
    ]);
    assert.deepEqual(messages(validateConfig({ tokens: { demo: {} } })), [
      '"tokens" must be an array, got an object',
    ]);
  });

  it('warns about unknown fields without disabling anything, and ignores $schema', () => {
    const result = validateConfig({
      $schema: './schema.json',
      stores: 'file',
      tokens: [{ name: 'pasted', type: 'static', colour: 'red' }],
    });
    assert.deepEqual(names(result.config), ['pasted']);
    assert.deepEqual(result.problems, [
      {
        severity: 'warning',
        source: 'file',
        index: 0,
        token: 'pasted',
        field: 'colour',
        message: `token 'pasted': unknown field "colour" is ignored`,
      },
      {
        severity: 'warning',
        source: 'file',
        field: 'stores',
        message: 'unknown top-level field "stores" is ignored',
      },
    ]);
  });

  it('says when a field belongs to another type, and when a secret was put in the config', () => {
    const result = validateConfig({
      tokens: [
        { name: 'gcloud', type: 'command', command: ['gcloud'], scope: 'x', clientSecret: 's3cr3t-value' },
      ],
    });
    assert.deepEqual(names(result.config), ['gcloud']);
    assert.deepEqual(messages(result), [
      `token 'gcloud': "scope" is not used by type 'command' and is ignored`,
      `token 'gcloud': "clientSecret" is ignored: secrets belong in the secret store, not in the config`,
    ]);
    assert.ok(!JSON.stringify(result.problems).includes('s3cr3t'));
  });

  it('disables only the bad entry', () => {
    const result = validateConfig({
      tokens: [...example.tokens, { name: 'broken', type: 'oauth2-refresh-token', clientId: 'cli' }],
    });
    assert.deepEqual(names(result.config), ['demo', 'svc', 'gcloud', 'pasted']);
    assert.deepEqual(result.problems, [
      {
        severity: 'error',
        source: 'file',
        index: 4,
        token: 'broken',
        field: 'issuer',
        message: `token 'broken': needs exactly one of "issuer" (for discovery) and "tokenEndpoint", got neither`,
      },
    ]);
  });

  describe('names and types', () => {
    it('requires a name of 1 to 64 safe characters, and labels nameless entries by position', () => {
      const result = validateConfig({
        tokens: [
          { type: 'static' },
          { name: 'has space', type: 'static' },
          { name: 'x'.repeat(65), type: 'static' },
          { name: 42, type: 'static' },
          { name: 'ok.name_-1', type: 'static' },
        ],
      });
      assert.deepEqual(names(result.config), ['ok.name_-1']);
      assert.deepEqual(messages(result), [
        'tokens[0]: "name" is required',
        `tokens[1]: "name" must be 1 to 64 letters, digits, '.', '_' or '-', got "has space"`,
        `tokens[2]: "name" must be 1 to 64 letters, digits, '.', '_' or '-', got "${'x'.repeat(65)}"`,
        `tokens[3]: "name" must be 1 to 64 letters, digits, '.', '_' or '-', got 42`,
      ]);
    });

    it('keeps the first of two entries with the same name and disables the later one', () => {
      const result = validateConfig({
        tokens: [
          { name: 'dup', type: 'static' },
          { name: 'dup', type: 'command', command: ['x'] },
        ],
      });
      assert.deepEqual(result.config.tokens, [{ type: 'static', name: 'dup', refreshBeforeSeconds: 120 }]);
      assert.deepEqual(messages(result), [
        `token 'dup' (tokens[1]): "name" is already used by tokens[0]; this entry is disabled`,
      ]);
    });

    it('requires a known type', () => {
      assert.deepEqual(messages(validateConfig({ tokens: [{ name: 'a' }, { name: 'b', type: 'saml' }] })), [
        `token 'a': "type" is required: one of oauth2-refresh-token, oauth2-client-credentials, command, static`,
        `token 'b': "type" must be one of oauth2-refresh-token, oauth2-client-credentials, command, static, got "saml"`,
      ]);
    });

    it('checks the rest of an entry whose name is bad, so one round of edits fixes it all', () => {
      assert.deepEqual(messages(validateConfig({ tokens: [{ name: '', type: 'command', command: [] }] })), [
        `tokens[0]: "name" must be 1 to 64 letters, digits, '.', '_' or '-', got ""`,
        'tokens[0]: "command" must be a non-empty array of strings, got an empty array',
      ]);
    });

    it('rejects an entry that is not an object', () => {
      assert.deepEqual(messages(validateConfig({ tokens: ['demo'] })), [
        'tokens[0] must be an object, got "demo"',
      ]);
    });
  });

  describe('OAuth 2 endpoints', () => {
    it('gives the exact message for plain http to a remote host', () => {
      const result = svcWith({ tokenEndpoint: 'http://idp.example.com/token' });
      assert.deepEqual(result.config.tokens, []);
      assert.deepEqual(result.problems, [
        {
          severity: 'error',
          source: 'file',
          index: 0,
          token: 'svc',
          field: 'tokenEndpoint',
          message: `token 'svc': "tokenEndpoint" must be an https URL (http is allowed only on loopback addresses), got "http://idp.example.com/token"`,
        },
      ]);
    });

    it('allows http on loopback addresses only', () => {
      for (const url of [
        'http://localhost:8080/token',
        'http://LOCALHOST/token',
        'http://127.0.0.1:9000/token',
        'http://127.1.2.3/token',
        'http://[::1]:8443/token',
      ]) {
        assert.deepEqual(svcWith({ tokenEndpoint: url }).problems, [], url);
      }
      for (const url of [
        'http://localhost.evil.com/token',
        'http://127.0.0.1.nip.io/token',
        'http://128.0.0.1/token',
        'http://[::2]/token',
        'http://10.0.0.1/token',
      ]) {
        assert.deepEqual(
          messages(svcWith({ tokenEndpoint: url })),
          [
            `token 'svc': "tokenEndpoint" must be an https URL (http is allowed only on loopback addresses), got "${url}"`,
          ],
          url,
        );
      }
    });

    it('knows loopback hosts as the URL parser spells them', () => {
      assert.equal(isLoopbackHost(new URL('http://0x7f000001/').hostname), true);
      assert.equal(isLoopbackHost(new URL('http://[0:0:0:0:0:0:0:1]/').hostname), true);
      assert.equal(isLoopbackHost('localhost.'), false);
    });

    it('rejects other schemes, relative URLs and embedded credentials (without echoing them)', () => {
      assert.deepEqual(messages(svcWith({ tokenEndpoint: 'ftp://idp.example.com/token' })), [
        `token 'svc': "tokenEndpoint" must be an https URL (http is allowed only on loopback addresses), got "ftp://idp.example.com/token"`,
      ]);
      assert.deepEqual(messages(svcWith({ tokenEndpoint: '/token' })), [
        `token 'svc': "tokenEndpoint" must be an absolute URL, got "/token"`,
      ]);
      assert.deepEqual(messages(svcWith({ tokenEndpoint: 'https://svc:hunter2@idp.example.com/token' })), [
        `token 'svc': "tokenEndpoint" must not contain a user name or password`,
      ]);
    });

    it('allows a query but not a fragment in the token endpoint, and neither in the issuer', () => {
      assert.deepEqual(svcWith({ tokenEndpoint: 'https://idp.example.com/token?tenant=a' }).problems, []);
      assert.deepEqual(messages(svcWith({ tokenEndpoint: 'https://idp.example.com/token#x' })), [
        `token 'svc': "tokenEndpoint" must not have a fragment, got "https://idp.example.com/token#x"`,
      ]);
      assert.deepEqual(
        messages(svcWith({ tokenEndpoint: undefined, issuer: 'https://idp.example.com/?tenant=a' })),
        [`token 'svc': "issuer" must not have a query or fragment, got "https://idp.example.com/?tenant=a"`],
      );
    });

    it('needs exactly one of issuer and tokenEndpoint', () => {
      assert.deepEqual(messages(svcWith({ issuer: 'https://idp.example.com' })), [
        `token 'svc': needs exactly one of "issuer" (for discovery) and "tokenEndpoint", got both`,
      ]);
    });

    it('requires a clientId', () => {
      assert.deepEqual(messages(svcWith({ clientId: undefined })), [`token 'svc': "clientId" is required`]);
      assert.deepEqual(messages(svcWith({ clientId: '' })), [
        `token 'svc': "clientId" must be a non-empty string, got ""`,
      ]);
    });

    it('checks scope and resource', () => {
      assert.deepEqual(messages(svcWith({ scope: ['a', 'b'] })), [
        `token 'svc': "scope" must be a non-empty string, got an array; separate scopes with spaces in one string`,
      ]);
      assert.deepEqual(messages(svcWith({ resource: 'api' })), [
        `token 'svc': "resource" must be an absolute URI without a fragment, got "api"`,
      ]);
      assert.deepEqual(svcWith({ resource: 'urn:example:api' }).problems, []);
    });

    it('checks the number ranges', () => {
      assert.deepEqual(messages(svcWith({ refreshBeforeSeconds: 90_000, refreshBudgetPerHour: 0 })), [
        `token 'svc': "refreshBeforeSeconds" must be an integer from 0 to 86400, got 90000`,
        `token 'svc': "refreshBudgetPerHour" must be an integer from 1 to 3600, got 0`,
      ]);
      assert.deepEqual(messages(svcWith({ refreshBeforeSeconds: '120' })), [
        `token 'svc': "refreshBeforeSeconds" must be an integer from 0 to 86400, got "120"`,
      ]);
      assert.deepEqual(messages(svcWith({ refreshBeforeSeconds: 1.5 })), [
        `token 'svc': "refreshBeforeSeconds" must be an integer from 0 to 86400, got 1.5`,
      ]);
      assert.equal(svcWith({ refreshBeforeSeconds: 0 }).config.tokens[0]?.refreshBeforeSeconds, 0);
    });
  });

  describe('command tokens', () => {
    it('needs the program and its arguments as separate strings, and never echoes the command', () => {
      const command = (value: unknown) =>
        messages(validateConfig({ tokens: [{ name: 'c', type: 'command', command: value }] }));
      assert.deepEqual(command(undefined), [`token 'c': "command" is required`]);
      assert.deepEqual(command('curl -H "Authorization: Bearer abc"'), [
        `token 'c': "command" must be a non-empty array of strings, got a string; write the program and each argument as separate strings`,
      ]);
      assert.deepEqual(command(['gcloud', 3]), [
        `token 'c': "command" must be a non-empty array of strings, got an array`,
      ]);
      assert.deepEqual(command(['', 'x']), [`token 'c': "command" must start with a program name, got ""`]);
    });

    it('bounds the timeout', () => {
      const result = validateConfig({
        tokens: [{ name: 'c', type: 'command', command: ['x'], timeoutSeconds: 0 }],
      });
      assert.deepEqual(messages(result), [
        `token 'c': "timeoutSeconds" must be an integer from 1 to 600, got 0`,
      ]);
    });
  });

  describe('lifetimeSeconds (the assumed life of a token whose provider does not say)', () => {
    it('is optional, and kept when given for OAuth 2 and command tokens', () => {
      const svc = svcWith({ lifetimeSeconds: 900 });
      assert.deepEqual(svc.problems, []);
      assert.equal((svc.config.tokens[0] as { lifetimeSeconds?: number }).lifetimeSeconds, 900);
      assert.equal('lifetimeSeconds' in (svcWith({}).config.tokens[0] ?? {}), false);
      const command = validateConfig({
        tokens: [{ name: 'c', type: 'command', command: ['x'], lifetimeSeconds: 60 }],
      });
      assert.deepEqual(command.problems, []);
      assert.equal((command.config.tokens[0] as { lifetimeSeconds?: number }).lifetimeSeconds, 60);
    });

    it('must be a whole number of seconds from 1 to a year', () => {
      for (const bad of [0, -5, 1.5, '3600', 31_536_001])
        assert.deepEqual(messages(svcWith({ lifetimeSeconds: bad })), [
          `token 'svc': "lifetimeSeconds" must be an integer from 1 to 31536000, got ${JSON.stringify(bad)}`,
        ]);
    });

    it('is not used by static tokens, which have no expiry', () => {
      const result = validateConfig({ tokens: [{ name: 'p', type: 'static', lifetimeSeconds: 60 }] });
      assert.deepEqual(messages(result), [
        `token 'p': "lifetimeSeconds" is not used by type 'static' and is ignored`,
      ]);
    });
  });

  it('masks token-shaped values it echoes and cuts long ones', () => {
    const jwt = fakeJwt({ sub: 'someone', exp: 1 });
    const [message = ''] = messages(validateConfig({ tokens: [{ name: 'p', type: jwt }] }));
    assert.ok(!message.includes(jwt.slice(0, 12)), message);
    assert.match(message, /got "eyJhbGci…"$/);
    const [long = ''] = messages(svcWith({ tokenEndpoint: `ftp://idp.example.com/${'a'.repeat(200)}` }));
    assert.match(long, /got "ftp:\/\/idp\.example\.com\/a+\.\.\."$/);
    assert.ok(long.length < 250);
  });
});

describe('parseConfig', () => {
  it('parses and validates the text', () => {
    assert.deepEqual(parseConfig(JSON.stringify(example)), validateConfig(example));
  });

  it('reports invalid JSON by place, without quoting the text', () => {
    const text = '{\n  "redis": "redis://:hunter2@h",\n  "store": }';
    const result = parseConfig(text);
    assert.deepEqual(result.config, { store: 'keychain', tokens: [] });
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]?.message ?? '', /^the config is not valid JSON/);
    assert.ok(!result.problems[0]?.message.includes('hunter2'));
    assert.deepEqual(messages(parseConfig('{\n  "store": "file",\n}')), [
      'the config is not valid JSON at line 3, column 1',
    ]);
  });
});

describe('mergeConfigs', () => {
  const fileConfig = validateConfig(example).config;

  it('adds the tokens defined in settings after the file tokens', () => {
    const result = mergeConfigs(fileConfig, [{ name: 'extra', type: 'static' }]);
    assert.deepEqual(names(result.config), ['demo', 'svc', 'gcloud', 'pasted', 'extra']);
    assert.equal(result.config.store, 'keychain');
    assert.deepEqual(result.problems, []);
  });

  it('lets the file win a name clash, so that workspace settings cannot redirect a token', () => {
    const evil = {
      name: 'svc',
      type: 'oauth2-client-credentials',
      tokenEndpoint: 'https://evil.example/t',
      clientId: 'x',
    };
    const result = mergeConfigs(fileConfig, [evil]);
    assert.deepEqual(result.config.tokens, fileConfig.tokens);
    assert.deepEqual(result.problems, [
      {
        severity: 'warning',
        source: 'settings',
        token: 'svc',
        field: 'name',
        message: `settings token 'svc' is ignored: the config file defines a token with the same name, and the file wins`,
      },
    ]);
  });

  it('validates settings tokens and labels their problems as coming from settings', () => {
    const result = mergeConfigs(fileConfig, [{ name: 'bad', type: 'static', refreshBeforeSeconds: -1 }, 7]);
    assert.deepEqual(names(result.config), names(fileConfig));
    assert.deepEqual(messages(result), [
      `settings token 'bad': "refreshBeforeSeconds" must be an integer from 0 to 86400, got -1`,
      'settings tokens[1] must be an object, got 7',
    ]);
    assert.ok(result.problems.every((p) => p.source === 'settings'));
    assert.deepEqual(messages(mergeConfigs(fileConfig, 'nope')), [
      'settings "tokens" must be an array, got "nope"',
    ]);
  });

  it('does not change the file config it was given', () => {
    const before = structuredClone(fileConfig);
    mergeConfigs(fileConfig, [{ name: 'extra', type: 'static' }]);
    assert.deepEqual(fileConfig, before);
  });
});

describe('validateTokens', () => {
  it('accepts already validated definitions unchanged', () => {
    const { tokens } = validateConfig(example).config;
    assert.deepEqual(validateTokens(tokens, 'settings'), { tokens, problems: [] });
  });
});

describe('resolveConfigPath', () => {
  const env = { HOME: '/home/ada' };

  it('prefers --config, then TOKEN_AGENT_CONFIG', () => {
    assert.deepEqual(
      resolveConfigPath({
        configFlag: './my.json',
        platform: 'linux',
        env: { ...env, TOKEN_AGENT_CONFIG: '/etc/ta.json' },
      }),
      { path: './my.json', source: 'flag' },
    );
    assert.deepEqual(
      resolveConfigPath({ platform: 'linux', env: { ...env, TOKEN_AGENT_CONFIG: '/etc/ta.json' } }),
      {
        path: '/etc/ta.json',
        source: 'env',
      },
    );
  });

  it('follows XDG on Linux, ignoring empty and relative values', () => {
    const path = (extra: Record<string, string>) =>
      resolveConfigPath({ platform: 'linux', env: { ...env, ...extra } }).path;
    assert.equal(path({}), '/home/ada/.config/token-agent/config.json');
    assert.equal(path({ XDG_CONFIG_HOME: '/xdg' }), '/xdg/token-agent/config.json');
    assert.equal(path({ XDG_CONFIG_HOME: '' }), '/home/ada/.config/token-agent/config.json');
    assert.equal(path({ XDG_CONFIG_HOME: 'relative/cfg' }), '/home/ada/.config/token-agent/config.json');
    assert.equal(path({ TOKEN_AGENT_CONFIG: '' }), '/home/ada/.config/token-agent/config.json');
  });

  it('uses Application Support on macOS unless XDG_CONFIG_HOME is set', () => {
    assert.deepEqual(resolveConfigPath({ platform: 'darwin', env }), {
      path: '/home/ada/Library/Application Support/token-agent/config.json',
      source: 'default',
    });
    assert.equal(
      resolveConfigPath({ platform: 'darwin', env: { ...env, XDG_CONFIG_HOME: '/xdg' } }).path,
      '/xdg/token-agent/config.json',
    );
  });

  it('uses %APPDATA% on Windows, and ignores XDG there', () => {
    assert.equal(
      resolveConfigPath({
        platform: 'win32',
        env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', XDG_CONFIG_HOME: '/xdg' },
      }).path,
      'C:\\Users\\ada\\AppData\\Roaming\\token-agent\\config.json',
    );
    assert.equal(
      resolveConfigPath({ platform: 'win32', env: { USERPROFILE: 'C:\\Users\\ada' } }).path,
      'C:\\Users\\ada\\AppData\\Roaming\\token-agent\\config.json',
    );
  });

  it('fails with ERR_CONFIG_INVALID when there is no home to look in', () => {
    assert.throws(() => resolveConfigPath({ platform: 'linux', env: {} }), {
      name: 'TokenAgentError',
      code: codes.configInvalid,
      message: 'cannot find the home directory: HOME is not set',
    });
    assert.throws(
      () => resolveConfigPath({ platform: 'win32', env: {} }),
      (error) => error instanceof TokenAgentError && error.code === 'ERR_CONFIG_INVALID',
    );
  });
});

describe('resolveDataDir', () => {
  it('uses XDG_DATA_HOME or ~/.local/share on Linux', () => {
    assert.equal(
      resolveDataDir({ platform: 'linux', env: { HOME: '/home/ada' } }),
      '/home/ada/.local/share/token-agent',
    );
    assert.equal(
      resolveDataDir({ platform: 'linux', env: { HOME: '/home/ada', XDG_DATA_HOME: '/data' } }),
      '/data/token-agent',
    );
  });

  it('uses Application Support on macOS', () => {
    assert.equal(
      resolveDataDir({ platform: 'darwin', env: { HOME: '/Users/ada' } }),
      '/Users/ada/Library/Application Support/token-agent',
    );
  });

  it('uses the local, not the roaming, app data on Windows', () => {
    assert.equal(
      resolveDataDir({
        platform: 'win32',
        env: { APPDATA: 'C:\\R', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' },
      }),
      'C:\\Users\\ada\\AppData\\Local\\token-agent',
    );
    assert.equal(
      resolveDataDir({ platform: 'win32', env: { USERPROFILE: 'C:\\Users\\ada' } }),
      'C:\\Users\\ada\\AppData\\Local\\token-agent',
    );
  });
});
