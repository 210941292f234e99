// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the literal text under test here.
// The pure helpers behind the quick fixes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canStoreStaticAs,
  type DefinedToken,
  envReference,
  envReplacementEdit,
  staticTokenName,
  suggestEnvName,
  suppressionComment,
} from '../../agent/lint/fixes';

const apply = (text: string, edit: { start: number; end: number; newText: string } | undefined) =>
  edit ? text.slice(0, edit.start) + edit.newText + text.slice(edit.end) : undefined;

describe('envReference', () => {
  it('reads the environment the way each language does', () => {
    const cases: [string, string | undefined][] = [
      ['typescript', 'process.env.API_KEY'],
      ['javascriptreact', 'process.env.API_KEY'],
      ['python', 'os.environ["API_KEY"]'],
      ['go', 'os.Getenv("API_KEY")'],
      ['java', 'System.getenv("API_KEY")'],
      ['kotlin', 'System.getenv("API_KEY")'],
      ['csharp', 'Environment.GetEnvironmentVariable("API_KEY")'],
      ['ruby', 'ENV["API_KEY"]'],
      ['php', "getenv('API_KEY')"],
      ['rust', 'std::env::var("API_KEY").expect("API_KEY is not set")'],
      ['yaml', '${API_KEY}'],
      ['shellscript', '${API_KEY}'],
      ['dotenv', '${API_KEY}'],
      ['dockerfile', '${API_KEY}'],
      ['powershell', '$env:API_KEY'],
      ['json', undefined],
    ];
    for (const [language, expected] of cases)
      assert.equal(envReference(language, 'API_KEY')?.text, expected, language);
  });

  it('uses the secrets context in GitHub Actions workflows', () => {
    assert.equal(
      envReference('yaml', 'NPM_TOKEN', '/repo/.github/workflows/ci.yml')?.text,
      '${{ secrets.NPM_TOKEN }}',
    );
  });
});

describe('suggestEnvName', () => {
  it('names the variable after the identifier the value is assigned to', () => {
    assert.equal(suggestEnvName('github-token', 'const githubToken = "'), 'GITHUB_TOKEN');
    assert.equal(
      suggestEnvName('generic-secret', 'spring.datasource.password='),
      'SPRING_DATASOURCE_PASSWORD',
    );
    assert.equal(suggestEnvName('generic-secret', '  "stripeApiKey": "'), 'STRIPE_API_KEY');
    assert.equal(suggestEnvName('generic-secret', 'self.db_password = '), 'DB_PASSWORD');
  });

  it("falls back to the rule's variable when the name says nothing", () => {
    assert.equal(suggestEnvName('openai-api-key', 'token = "'), 'OPENAI_API_KEY');
    assert.equal(
      suggestEnvName('github-token', 'fetch(url, { headers: { Authorization: `token '),
      'GITHUB_TOKEN',
    );
    assert.equal(suggestEnvName('jwt', ''), 'ACCESS_TOKEN');
  });
});

describe('suppressionComment', () => {
  it('uses the comment syntax of the language, and none for JSON', () => {
    assert.equal(suppressionComment('typescript'), '// token-agent:allow');
    assert.equal(suppressionComment('python'), '# token-agent:allow');
    assert.equal(suppressionComment('yaml'), '# token-agent:allow');
    assert.equal(suppressionComment('sql'), '-- token-agent:allow');
    assert.equal(suppressionComment('html'), '<!-- token-agent:allow -->');
    assert.equal(suppressionComment('css'), '/* token-agent:allow */');
    assert.equal(suppressionComment('json'), undefined);
  });
});

describe('envReplacementEdit', () => {
  const edit = (text: string, secret: string, language: string) => {
    const start = text.indexOf(secret);
    return apply(text, envReplacementEdit(text, start, start + secret.length, language, 'API_KEY'));
  };

  it('replaces a whole literal, quotes included, with code', () => {
    assert.equal(
      edit('const k = "SECRETVALUE";', 'SECRETVALUE', 'typescript'),
      'const k = process.env.API_KEY;',
    );
    assert.equal(edit("k = 'SECRETVALUE'", 'SECRETVALUE', 'python'), 'k = os.environ["API_KEY"]');
    assert.equal(edit('k := `SECRETVALUE`', 'SECRETVALUE', 'go'), 'k := os.Getenv("API_KEY")');
  });

  it('keeps double quotes for interpolation, and turns single quotes into double ones', () => {
    assert.equal(edit('key: "SECRETVALUE"', 'SECRETVALUE', 'yaml'), 'key: "${API_KEY}"');
    assert.equal(edit("KEY='SECRETVALUE'", 'SECRETVALUE', 'shellscript'), 'KEY="${API_KEY}"');
    assert.equal(edit('KEY=SECRETVALUE', 'SECRETVALUE', 'dotenv'), 'KEY=${API_KEY}');
  });

  it('turns a longer JS string into a template literal', () => {
    assert.equal(
      edit('h = "Bearer SECRETVALUE";', 'SECRETVALUE', 'typescript'),
      'h = `Bearer ${process.env.API_KEY}`;',
    );
    assert.equal(
      edit('h = `Bearer SECRETVALUE`;', 'SECRETVALUE', 'typescript'),
      'h = `Bearer ${process.env.API_KEY}`;',
    );
  });

  it('offers nothing where no edit is safe', () => {
    assert.equal(edit('// SECRETVALUE', 'SECRETVALUE', 'typescript'), undefined);
    assert.equal(edit('h = "Bearer SECRETVALUE"', 'SECRETVALUE', 'python'), undefined);
    assert.equal(edit('{"k": "SECRETVALUE"}', 'SECRETVALUE', 'json'), undefined);
    assert.equal(edit("run: echo 'x SECRETVALUE'", 'SECRETVALUE', 'yaml'), undefined);
  });
});

describe('staticTokenName', () => {
  const token = (name: string, type: string, held = true): DefinedToken => ({ name, type, held });

  it('names the token after the environment variable when nothing else has that name', () => {
    assert.equal(staticTokenName('GITHUB_TOKEN', [], undefined), 'github-token');
    assert.equal(
      staticTokenName('GITHUB_TOKEN', [token('demo', 'oauth2-refresh-token')], undefined),
      'github-token',
    );
  });

  it('never takes the name of a token of another kind: it counts on from -2', () => {
    const defined = [
      token('github-token', 'oauth2-refresh-token'),
      token('github-token-2', 'command'),
      token('github-token-4', 'oauth2-client-credentials'),
    ];
    assert.equal(staticTokenName('GITHUB_TOKEN', defined, undefined), 'github-token-3');
  });

  it('reuses a static token of that name when it holds nothing or this value, never another value', () => {
    assert.equal(
      staticTokenName('GITHUB_TOKEN', [token('github-token', 'static', false)], undefined),
      'github-token',
    );
    assert.equal(
      staticTokenName('GITHUB_TOKEN', [token('github-token', 'static')], 'github-token'),
      'github-token',
    );
    assert.equal(
      staticTokenName('GITHUB_TOKEN', [token('github-token', 'static')], undefined),
      'github-token-2',
    );
  });

  it('keeps a live static token under its own name, whatever the variable is called', () => {
    assert.equal(staticTokenName('GH', [token('github-token', 'static')], 'github-token'), 'github-token');
    // A live token of another kind is an access token the agent refreshes: not one to overwrite.
    assert.equal(staticTokenName('DEMO', [token('demo', 'oauth2-refresh-token')], 'demo'), 'demo-2');
  });

  it('makes a valid config name out of any variable name, with room for a suffix', () => {
    const long = staticTokenName('A'.repeat(80), [token('a'.repeat(56), 'command')], undefined);
    assert.equal(long, `${'a'.repeat(56)}-2`);
    assert.match(long, /^[A-Za-z0-9._-]{1,64}$/);
    assert.equal(staticTokenName('__', [], undefined), 'secret');
  });
});

describe('canStoreStaticAs', () => {
  it('refuses names the config would reject', () => {
    assert.equal(canStoreStaticAs('has space', [], undefined), false);
    assert.equal(canStoreStaticAs('x'.repeat(65), [], undefined), false);
    assert.equal(canStoreStaticAs('ok-name.2', [], undefined), true);
  });
});
