import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentStatus, TokenState } from '../../agent/protocol';
import { sortByUrgency } from '../../extension/countdown';
import {
  changedRows,
  type RowOptions,
  rowState,
  shownToken,
  type TokenRow,
  tokenArgument,
  tokenRows,
} from '../../extension/tokenRows';

const now = 1_800_000_000_000;
const options: RowOptions = {
  now,
  warnBeforeSeconds: 300,
  pinned: undefined,
  formatTime: (ms) => `T${(ms - now) / 1000}`,
};
const status = (overrides: Partial<AgentStatus> = {}): AgentStatus => ({
  version: '9.9.9',
  problems: [],
  pid: 4242,
  startedAt: now - 125_000,
  health: 'ok',
  store: { tier: 'keychain', plaintext: false },
  lint: { enabled: true },
  tokens: [],
  ...overrides,
});
const token = (name: string, overrides: Partial<TokenState> = {}): TokenState => ({
  name,
  type: 'oauth2-refresh-token',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  ...overrides,
});
const rowsOf = (tokens: TokenState[], extra: Partial<RowOptions> = {}) =>
  tokenRows(status({ tokens }), { ...options, ...extra }) as TokenRow[];

describe('tokenRows', () => {
  it('gives each token its time left, a state icon and colour, and a contextValue naming type and state', () => {
    const [row] = rowsOf([token('demo', { expiresAt: now + 42 * 60_000 + 5_000 })]);
    assert.deepEqual(
      {
        label: row?.label,
        description: row?.description,
        icon: row?.icon,
        color: row?.color,
        contextValue: row?.contextValue,
      },
      {
        label: 'demo',
        description: '42m left',
        icon: 'pass',
        color: 'testing.iconPassed',
        contextValue: 'token.oauth2-refresh-token.fresh',
      },
    );
  });

  it('tells fresh, expiring, expired, error, needs sign-in and refreshing apart', () => {
    const rows = rowsOf([
      token('fresh', { expiresAt: now + 3_600_000 }),
      // Past the refresh point (120 s before expiry) without a refresh: overdue, a warning.
      token('late', { expiresAt: now + 60_000 }),
      token('gone', { expiresAt: now - 1_000 }),
      token('failing', {
        expiresAt: now + 3_600_000,
        lastError: { code: 'ERR_REFRESH_FAILED', message: 'The token endpoint timed out.' },
      }),
      token('broken', { phase: 'error', lastError: { code: 'ERR_COMMAND_FAILED', message: 'exit 1' } }),
      token('signin', { phase: 'needs-sign-in' }),
      token('busy', { phase: 'refreshing', expiresAt: now + 598_000 }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.name, r.state, r.icon, r.color, r.description]),
      [
        ['fresh', 'fresh', 'pass', 'testing.iconPassed', '1h 0m left'],
        ['late', 'expiring', 'watch', 'list.warningForeground', '1:00 left'],
        ['gone', 'expired', 'error', 'list.errorForeground', 'expired'],
        ['failing', 'error', 'warning', 'list.warningForeground', '1h 0m left · refresh failed'],
        ['broken', 'error', 'error', 'list.errorForeground', 'error'],
        ['signin', 'needsSignIn', 'sign-in', 'list.errorForeground', 'sign in needed'],
        ['busy', 'refreshing', 'sync~spin', undefined, '9:58 left · refreshing'],
      ],
    );
    assert.equal(rows[5]?.contextValue, 'token.oauth2-refresh-token.needsSignIn');
  });

  it('warns on a pasted token only within warnBeforeSeconds, as the status bar does', () => {
    const pasted = token('pasted', { type: 'static', expiresAt: now + 200_000 });
    assert.equal(rowState(pasted, now, 300), 'expiring');
    assert.equal(rowState(pasted, now, 100), 'fresh');
    assert.equal(rowsOf([token('forever', { type: 'static' })])[0]?.description, 'no expiry');
  });

  it('a refresh that may have cost the refresh token: needs sign-in, and the tooltip says when (#16 item 6)', () => {
    const message =
      "The token endpoint did not answer in time. The provider may have rotated the refresh token of 'api' at 09:05:07 UTC, and no answer carrying the new one arrived; sign in again.";
    const [row] = rowsOf([
      token('api', {
        phase: 'needs-sign-in',
        mayHaveRotated: { at: now - 60_000 },
        lastError: { code: 'ERR_NEEDS_SIGN_IN', message },
      }),
    ]);
    assert.equal(row?.state, 'needsSignIn');
    assert.ok(row?.tooltip.split('\n').includes(message), row?.tooltip);
  });

  it('marks the pinned token in its description, tooltip and contextValue', () => {
    const rows = rowsOf(
      [
        token('a', { expiresAt: now + 3_600_000 }),
        token('b', { type: 'static', expiresAt: now + 7_200_000 }),
      ],
      { pinned: 'b' },
    );
    assert.deepEqual(
      rows.map((r) => [r.pinned, r.contextValue, r.description]),
      [
        [false, 'token.oauth2-refresh-token.fresh', '1h 0m left'],
        [true, 'token.static.fresh.pinned', '2h 0m left · pinned'],
      ],
    );
    assert.match(rows[1]?.tooltip ?? '', /pinned/);
  });

  it('keeps the agent (config file) order, whatever the urgency', () => {
    const rows = rowsOf([
      token('later', { expiresAt: now + 3_600_000 }),
      token('sooner', { expiresAt: now + 30_000 }),
    ]);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['later', 'sooner'],
    );
  });

  it('adds a row per config problem, with its severity and the file to open', () => {
    const rows = tokenRows(
      status({
        configPath: '/home/u/.config/token-agent/config.json',
        problems: [
          'error: token \'x\' (tokens[1]): "issuer" or "tokenEndpoint" is required',
          'warning: unknown field "colour" is ignored',
        ],
        tokens: [token('ok', { expiresAt: now + 3_600_000 })],
      }),
      options,
    );
    assert.equal(rows.length, 3);
    const [, error, warning] = rows;
    assert.equal(error?.kind, 'problem');
    assert.equal(error?.label, 'Config problem');
    assert.equal(error?.description, 'token \'x\' (tokens[1]): "issuer" or "tokenEndpoint" is required');
    assert.equal(error?.icon, 'error');
    assert.equal(error?.contextValue, 'configProblem');
    assert.equal(error?.kind === 'problem' && error.configPath, '/home/u/.config/token-agent/config.json');
    assert.equal(warning?.label, 'Config warning');
    assert.equal(warning?.icon, 'warning');
  });
});

describe('changedRows', () => {
  it('names only the rows whose text changed as the clock ticks', () => {
    const tokens = [
      token('short', { expiresAt: now + 300_500 }),
      token('long', { expiresAt: now + 3 * 3_600_000 + 30_000 }),
    ];
    const before = tokenRows(status({ tokens }), options);
    const after = tokenRows(status({ tokens }), { ...options, now: now + 1_000 });
    assert.deepEqual(changedRows(before, after), ['token:short']);
    assert.deepEqual(changedRows(after, after), []);
  });

  it('asks for a full redraw when a row is added, removed or moved', () => {
    const a = tokenRows(status({ tokens: [token('a'), token('b')] }), options);
    const b = tokenRows(status({ tokens: [token('b'), token('a')] }), options);
    assert.equal(changedRows(a, b), 'all');
    assert.equal(changedRows(a, a.slice(1)), 'all');
    assert.equal(changedRows([], a), 'all');
  });
});

describe('shownToken', () => {
  const tokens = [
    token('calm', { type: 'static', expiresAt: now + 7_200_000 }),
    token('urgent', { expiresAt: now + 30_000 }),
  ];

  it('shows the most urgent token without a pin', () => {
    assert.deepEqual(shownToken(tokens, undefined, now, 300), { token: tokens[1], pinned: false });
  });

  it('shows the pinned token even when another is more urgent', () => {
    assert.deepEqual(shownToken(tokens, 'calm', now, 300), { token: tokens[0], pinned: true });
  });

  it('falls back to the most urgent when the pinned token is gone', () => {
    assert.deepEqual(shownToken(tokens, 'removed', now, 300), { token: tokens[1], pinned: false });
    assert.equal(shownToken([], 'calm', now, 300), undefined);
  });
});

describe('sortByUrgency', () => {
  it('puts errors first, then warnings, then the soonest expiry, and no expiry last', () => {
    const sorted = sortByUrgency(
      [
        token('none', { type: 'static' }),
        token('late', { expiresAt: now + 7_200_000 }),
        token('soon', { expiresAt: now + 1_800_000 }),
        token('overdue', { expiresAt: now + 60_000 }),
        token('signin', { phase: 'needs-sign-in' }),
      ],
      now,
      300,
    );
    assert.deepEqual(
      sorted.map((t) => t.name),
      ['signin', 'overdue', 'soon', 'late', 'none'],
    );
  });
});

describe('tokenArgument', () => {
  it("reads the token's name from a Tokens view element, and passes anything else through", () => {
    assert.equal(tokenArgument({ key: 'token:demo', tokenName: 'demo' }), 'demo');
    assert.equal(tokenArgument('demo'), 'demo');
    assert.equal(tokenArgument(undefined), undefined);
    const problem = { key: 'problem:0:x' };
    assert.equal(tokenArgument(problem), problem);
  });
});
