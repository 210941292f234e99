// `token-agent status` for people: one line per token, its signature check in a word or two.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiresCell, renderStatusTable } from '../../agent/cli/statusTable';
import type { TokenState } from '../../agent/protocol';

const now = 1_800_000_000_000;
const token = (name: string, overrides: Partial<TokenState> = {}): TokenState => ({
  name,
  type: 'oauth2-refresh-token',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  ...overrides,
});

describe('renderStatusTable', () => {
  it('shows whether each signature verified, or the code of why not, and a dash while unknown', () => {
    const table = renderStatusTable(
      [
        token('api', {
          expiresAt: now + 3_600_000,
          nextRefreshAt: now + 3_480_000,
          verification: { verified: true, algorithm: 'RS256' },
        }),
        token('bare', {
          expiresAt: now + 60_000,
          verification: {
            verified: false,
            code: 'no-keys',
            reason: 'the token names a token endpoint but no issuer',
          },
          lastError: { code: 'ERR_X', message: 'boom' },
        }),
        token('pasted', { type: 'static' }),
      ],
      'keychain',
      now,
    );
    assert.equal(
      table,
      [
        'TOKEN   STATE  EXPIRES    NEXT REFRESH  SIGNATURE              LAST ERROR',
        'api     fresh  in 1h 0m   in 58m 0s     verified (RS256)',
        'bare    fresh  in 1m 0s   -             not verified: no-keys  ERR_X: boom',
        'pasted  fresh  no expiry  -             -',
        '',
        'Secret store: keychain.',
        '',
      ].join('\n'),
    );
    assert.ok(!table.includes('no issuer'), 'the reason is left to --json');
  });

  it('marks an assumed expiry as assumed, and a pasted token without one as having none', () => {
    const assumed = token('opaque', { expiresAt: now + 3_540_000, expiryAssumed: true });
    assert.equal(expiresCell(assumed, now), 'in ~59m 0s, assumed');
    assert.equal(expiresCell({ ...assumed, expiresAt: now - 60_000 }, now), '~1m 0s ago, assumed');
    assert.equal(expiresCell(token('known', { expiresAt: now + 60_000 }), now), 'in 1m 0s');
    assert.equal(expiresCell(token('pasted', { type: 'static' }), now), 'no expiry');
    assert.equal(expiresCell(token('pasted', { type: 'static', phase: 'expired' }), now), '-');
    assert.equal(expiresCell(token('new'), now), '-');
    assert.match(renderStatusTable([assumed], 'keychain', now), /opaque\s+fresh\s+in ~59m 0s, assumed/);
  });

  it('adds the team health under the store when team mode is on', () => {
    const states = [token('api')];
    assert.doesNotMatch(renderStatusTable(states, 'keychain', now), /Team mode/);
    assert.match(renderStatusTable(states, 'keychain', now, { state: 'ok' }), /\nTeam mode: ok\.\n$/);
    assert.match(
      renderStatusTable(states, 'keychain', now, { state: 'degraded', detail: 'redis is unreachable' }),
      /\nTeam mode: degraded \(redis is unreachable\); refreshing on this machine alone\.\n$/,
    );
  });
});
