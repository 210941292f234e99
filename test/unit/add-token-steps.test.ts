// Add Token's steps without VS Code: which steps each type takes, what each input box accepts (the
// endpoint rule being the agent's own), what goes to the agent and where its refusal is shown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../agent/config/validate';
import {
  type Answers,
  answered,
  definitionOf,
  secretsOf,
  splitCommand,
  stepForProblems,
  stepsFor,
  validateEndpoint,
  validateName,
} from '../../extension/addTokenSteps';

// Built at run time, obviously fake: never a real-looking secret literal.
const fake = (what: string) => `fake-${what}-${'x'.repeat(8)}`;

describe('stepsFor', () => {
  it('ends a refresh-token type with the sign-in choice, and asks for a refresh token only to paste one', () => {
    const base: Answers = { type: 'oauth2-refresh-token' };
    const signIn = ['type', 'name', 'url', 'clientId', 'scope', 'clientSecret', 'finish'];
    assert.deepEqual(stepsFor(base, { askType: true }), signIn);
    assert.deepEqual(stepsFor({ ...base, finish: 'device' }, { askType: true }), signIn);
    assert.deepEqual(stepsFor({ ...base, finish: 'browser' }, { askType: true }), signIn);
    assert.deepEqual(stepsFor({ ...base, finish: 'paste' }, { askType: true }), [...signIn, 'refreshToken']);
  });

  it('takes the steps of each other type, and no type step when the command fixed the type', () => {
    assert.deepEqual(stepsFor({ type: 'oauth2-client-credentials' }, { askType: true }), [
      'type',
      'name',
      'url',
      'clientId',
      'scope',
      'clientSecret',
    ]);
    assert.deepEqual(stepsFor({ type: 'command' }, { askType: true }), ['type', 'name', 'command']);
    assert.deepEqual(stepsFor({ type: 'static' }, { askType: false }), ['name', 'staticToken']);
  });

  it('counts the longest path until a type is picked', () => {
    assert.equal(stepsFor({}, { askType: true }).length, 7);
  });

  it('counts an empty optional answer as answered, a missing one not', () => {
    assert.equal(answered('scope', { scope: '' }), true);
    assert.equal(answered('clientSecret', {}), false);
  });
});

describe('validateName', () => {
  it('takes the names the settings schema takes, and refuses one that is taken', () => {
    assert.equal(validateName('api.prod_2-x', new Set()), undefined);
    assert.equal(validateName('  api  ', new Set()), undefined);
    assert.match(validateName('two words', new Set()) ?? '', /letters, digits/);
    assert.match(validateName('', new Set()) ?? '', /letters, digits/);
    assert.match(validateName('x'.repeat(65), new Set()) ?? '', /1 to 64/);
    assert.match(validateName('api', new Set(['api'])) ?? '', /exists already/);
  });
});

describe('validateEndpoint: https, or http on this machine only', () => {
  const accepted = [
    'https://login.example.com',
    'https://login.example.com/realms/dev/protocol/openid-connect/token',
    'http://localhost:8080',
    'http://127.0.0.1:9000/issuer',
    'http://127.0.0.2:4000',
    'http://127.255.255.254',
    'http://[::1]:8080',
  ];
  const refused = [
    'http://login.example.com',
    'http://localhost.evil.example',
    'http://10.0.0.1',
    'http://[::2]',
    'http://128.0.0.1',
    'ftp://login.example.com',
    'https://user:pw@login.example.com',
    'login.example.com',
    '',
  ];

  it('accepts https anywhere and http on loopback hosts', () => {
    for (const url of accepted) assert.equal(validateEndpoint(url), undefined, url);
  });

  it('refuses plain http elsewhere, saying to use https and naming the host', () => {
    const message = validateEndpoint('http://login.example.com') ?? '';
    assert.match(message, /^Use https:\/\//);
    assert.match(message, /login\.example\.com/);
    for (const url of refused) assert.notEqual(validateEndpoint(url), undefined, url);
  });

  it('agrees with the agent, whose validation refuses exactly the same URLs', () => {
    for (const url of [...accepted, ...refused]) {
      const { problems } = validateConfig({
        tokens: [{ name: 't', type: 'oauth2-client-credentials', issuer: url, clientId: 'c' }],
      });
      const agentRefuses = problems.some((p) => p.severity === 'error' && p.field === 'issuer');
      assert.equal(validateEndpoint(url) !== undefined, agentRefuses, url);
    }
  });
});

describe('definitionOf and secretsOf', () => {
  it('sends the issuer for discovery, or the token endpoint when the URL names one; never a secret', () => {
    const answers: Answers = {
      type: 'oauth2-refresh-token',
      name: ' api ',
      url: 'https://login.example.com ',
      clientId: ' cli ',
      scope: '',
      clientSecret: '',
      finish: 'device',
    };
    assert.deepEqual(definitionOf(answers), {
      name: 'api',
      definition: { type: 'oauth2-refresh-token', issuer: 'https://login.example.com', clientId: 'cli' },
    });
    assert.deepEqual(secretsOf(answers), [], 'a sign-in stores its own refresh token');
    const endpoint = definitionOf({
      ...answers,
      url: 'https://login.example.com/oauth2/token',
      scope: 'a b',
    });
    assert.equal(endpoint.definition.tokenEndpoint, 'https://login.example.com/oauth2/token');
    assert.equal(endpoint.definition.issuer, undefined);
    assert.equal(endpoint.definition.scope, 'a b');
  });

  it('stores a pasted refresh token only when the user chose to paste one, and a client secret when typed', () => {
    const refreshToken = fake('refresh');
    const clientSecret = fake('client');
    const answers: Answers = { type: 'oauth2-refresh-token', name: 'api', refreshToken, clientSecret };
    assert.deepEqual(secretsOf({ ...answers, finish: 'paste' }), [
      { kind: 'refresh_token', value: refreshToken },
      { kind: 'client_secret', value: clientSecret },
    ]);
    assert.deepEqual(secretsOf({ ...answers, finish: 'browser' }), [
      { kind: 'client_secret', value: clientSecret },
    ]);
    const pasted = fake('static');
    assert.deepEqual(secretsOf({ type: 'static', name: 's', staticToken: ` ${pasted}\n` }), [
      { kind: 'static_token', value: pasted },
    ]);
  });

  it('splits a command line on whitespace, as the agent runs it without a shell', () => {
    assert.deepEqual(splitCommand('  gcloud auth   print-access-token '), [
      'gcloud',
      'auth',
      'print-access-token',
    ]);
    assert.deepEqual(definitionOf({ type: 'command', name: 'g', command: 'a b' }).definition, {
      type: 'command',
      command: ['a', 'b'],
    });
  });
});

describe('stepForProblems', () => {
  const steps = stepsFor({ type: 'oauth2-client-credentials' }, { askType: true });

  it("re-opens the step of the problem's field, with every problem of that step", () => {
    const shown = stepForProblems(
      [
        { field: 'issuer', message: '"issuer" must not have a query or fragment' },
        { field: 'clientId', message: '"clientId" is required' },
      ],
      steps,
    );
    assert.equal(shown.step, 'url');
    assert.match(shown.message, /query or fragment/);
    assert.doesNotMatch(shown.message, /clientId/);
    assert.equal(stepForProblems([{ field: 'tokenEndpoint', message: 'x' }], steps).step, 'url');
    assert.equal(stepForProblems([{ field: 'name', message: 'already defined' }], steps).step, 'name');
  });

  it('shows a problem of no step (or of a field not asked) on the name step, in full', () => {
    const shown = stepForProblems(
      [{ message: 'the config file is locked' }, { field: 'resource', message: 'bad resource' }],
      steps,
    );
    assert.equal(shown.step, 'name');
    assert.match(shown.message, /locked.*bad resource/);
  });
});
