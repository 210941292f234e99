// "Expiry unknown" where people and scripts meet it (#12 item 7): `token-agent status` (table and
// --min-valid verdict), the editor's status bar, tooltip and Tokens view — never a countdown to zero.
// And the config fields that say how a command's output is read, with errors that name the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validity } from '../../agent/cli/statusCheck';
import { expiresCell } from '../../agent/cli/statusTable';
import { validateConfig } from '../../agent/config/validate';
import type { AgentStatus, TokenState } from '../../agent/protocol';
import { renderStatusBar } from '../../extension/agentView';
import { expiryText, tokenSeverity, tokenSummary } from '../../extension/countdown';
import { tokenRows } from '../../extension/tokenRows';

const now = 1_800_000_000_000;
const unknown: TokenState = {
  name: 'gcloud',
  type: 'command',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  expiryUnknown: true,
  issuedAt: now - 180_000,
  lastRefreshAt: now - 180_000,
};
const status: AgentStatus = {
  version: '9.9.9',
  problems: [],
  pid: 1,
  startedAt: now - 1_000,
  health: 'ok',
  store: { tier: 'keychain', plaintext: false },
  lint: { enabled: true },
  tokens: [unknown],
};

describe('a token of unknown expiry, shown', () => {
  it('token-agent status: "unknown (obtained … ago)", not a countdown or "no expiry"', () => {
    assert.equal(expiresCell(unknown, now), 'unknown (obtained 3m 0s ago)');
  });

  it('token-agent status NAME --min-valid: 0 s is held, any more is not known (exit 1)', () => {
    assert.equal(validity('gcloud', unknown, now, 0).code, 0);
    const verdict = validity('gcloud', unknown, now, 60);
    assert.equal(verdict.code, 1);
    assert.match(verdict.line, /unknown expiry.*token-agent get gcloud/);
    const failing = { ...unknown, lastError: { code: 'ERR_COMMAND_FAILED', message: 'x' } };
    assert.equal(validity('gcloud', failing, now, 0).code, 1);
  });

  it('the status bar and its tooltip say "expiry unknown", with no warning colour', () => {
    const model = renderStatusBar(
      { kind: 'running', status },
      { now, warnBeforeSeconds: 300, formatTime: (ms) => `T${ms}` },
    );
    assert.equal(model.text, '$(key) gcloud expiry unknown');
    assert.match(model.tooltip, /Expiry unknown: its command does not say/);
    assert.doesNotMatch(model.tooltip, /expired|0:00/);
    assert.equal(model.background, undefined);
    assert.equal(tokenSeverity(unknown, now, 300), 'ok');
  });

  it('the Tokens view row and the quick pick say it too', () => {
    const [row] = tokenRows(status, { now, warnBeforeSeconds: 300, pinned: undefined, formatTime: String });
    assert.ok(row?.kind === 'token');
    assert.equal(row.description, 'expiry unknown');
    assert.match(row.tooltip, /Expiry unknown/);
    assert.equal(row.state, 'fresh');
    assert.equal(tokenSummary(unknown, now), 'expiry unknown');
    assert.equal(expiryText(unknown, String), 'expiry unknown: its command does not say');
  });

  it('an error wins over "expiry unknown"', () => {
    assert.equal(tokenSummary({ ...unknown, phase: 'error' }, now), 'error');
  });
});

describe('command definition fields', () => {
  const command = (extra: Record<string, unknown>) =>
    validateConfig({ tokens: [{ name: 'az', type: 'command', command: ['az'], ...extra }] });
  const messages = (result: ReturnType<typeof validateConfig>) => result.problems.map((p) => p.message);

  it('keeps valid tokenField, expiryField and introspection settings, and stays idempotent', () => {
    const fields = {
      tokenField: 'data.token',
      expiryField: 'data.expires',
      introspectionEndpoint: 'https://login.example.com/oauth2/introspect',
      clientId: 'cli',
    };
    const result = command(fields);
    assert.deepEqual(messages(result), []);
    assert.deepEqual({ ...result.config.tokens[0] }, { ...result.config.tokens[0], ...fields });
    const again = validateConfig(result.config);
    assert.deepEqual(again.problems, []);
    assert.deepEqual(again.config, result.config);
  });

  it('refuses a bad path with an error that names the field and says what a path looks like', () => {
    for (const [value, why] of [
      ['a..b', /empty part/],
      ['.a', /empty part/],
      ['a b', /whitespace/],
      ['', /1 to 200 characters/],
      ['a.__proto__', /__proto__/],
      [42, /must be a string/],
    ] as const) {
      const result = command({ tokenField: value });
      assert.equal(result.config.tokens.length, 0, `tokenField ${String(value)} disables the token`);
      const [problem] = result.problems;
      assert.equal(problem?.field, 'tokenField');
      assert.match(problem?.message ?? '', why);
      assert.match(problem?.message ?? '', /dotted path into the JSON the command prints/);
    }
    assert.equal(command({ expiryField: 'x..y' }).problems[0]?.field, 'expiryField');
  });

  it('introspection needs a clientId, an https (or loopback http) URL without credentials', () => {
    assert.match(
      messages(command({ introspectionEndpoint: 'https://idp.example.com/introspect' })).join(),
      /"clientId" is required with "introspectionEndpoint"/,
    );
    assert.match(
      messages(command({ introspectionEndpoint: 'http://idp.example.com/introspect', clientId: 'c' })).join(),
      /https URL/,
    );
    const withPassword = command({
      introspectionEndpoint: 'https://u:hunter2@idp.example.com/i',
      clientId: 'c',
    });
    assert.match(messages(withPassword).join(), /must not contain a user name or password/);
    assert.doesNotMatch(messages(withPassword).join(), /hunter2/);
    assert.deepEqual(messages(command({ introspectionEndpoint: 'http://127.0.0.1:9/i', clientId: 'c' })), []);
    assert.deepEqual(messages(command({ clientId: 'c' })), [
      `token 'az': "clientId" is used by a command token only with "introspectionEndpoint"; it is ignored`,
    ]);
  });
});
