import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentStatus, TokenState } from '../../agent/protocol';
import {
  formatUptime,
  type RenderOptions,
  renderStatusBar,
  tooltipCommands,
} from '../../extension/agentView';

const now = 1_800_000_000_000;
const options: RenderOptions = { now, warnBeforeSeconds: 300, formatTime: (ms) => `T${(ms - now) / 1000}` };
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
const running = (overrides: Partial<AgentStatus> = {}) =>
  renderStatusBar({ kind: 'running', status: status(overrides) }, options);

describe('renderStatusBar', () => {
  it('shows a spinner while the agent starts', () => {
    const model = renderStatusBar({ kind: 'starting' }, options);
    assert.match(model.text, /^\$\(sync~spin\)/);
    assert.equal(model.background, undefined);
  });

  it('with no token, says so and offers to add one on click', () => {
    const model = running();
    assert.equal(model.text, '$(key) Token Agent: no tokens');
    assert.equal(model.command, 'tokenAgent.addToken');
    assert.equal(model.ariaLabel, 'Token Agent 9.9.9, agent pid 4242, no tokens');
    assert.match(model.tooltip, /up 2m 5s/);
  });

  it('shows the token that expires soonest with its time left', () => {
    const model = running({
      tokens: [
        token('later', { expiresAt: now + 3 * 3_600_000 }),
        token('demo', { expiresAt: now + 42 * 60_000 + 5_000 }),
      ],
    });
    assert.equal(model.text, '$(key) demo 42m');
    assert.equal(model.background, undefined);
    assert.equal(model.command, 'tokenAgent.showStatus');
    assert.equal(
      model.ariaLabel,
      'Token Agent: demo expires in 2525 seconds at T2525, 2 tokens, Token Agent 9.9.9, agent pid 4242',
    );
  });

  it('spins while the shown token is refreshing', () => {
    assert.equal(
      running({ tokens: [token('demo', { phase: 'refreshing', expiresAt: now + 598_000 })] }).text,
      '$(sync~spin) demo 9:58',
    );
  });

  it('puts a token needing sign-in first, in the error colour', () => {
    const model = running({
      tokens: [
        token('fine', { expiresAt: now + 60_000 }),
        token('broken', {
          phase: 'needs-sign-in',
          lastError: { code: 'ERR_NEEDS_SIGN_IN', message: 'Sign in again.' },
        }),
      ],
    });
    assert.equal(model.text, '$(error) broken sign in needed');
    assert.equal(model.background, 'error');
    assert.match(model.tooltip, /\$\(warning\) Sign in again\./);
  });

  it('shows an assumed expiry as approximate in the text, the tooltip and the label', () => {
    const model = running({
      tokens: [token('opaque', { expiresAt: now + 3_540_000, issuedAt: now - 60_000, expiryAssumed: true })],
    });
    assert.equal(model.text, '$(key) opaque ~59m');
    assert.ok(model.tooltip.includes('Expires ~T3540, assumed (the provider did not say)'), model.tooltip);
    assert.match(model.ariaLabel, /opaque expires in about 3540 seconds at T3540, assumed/);
  });

  it('lists every token in the tooltip with claims, times and command links', () => {
    const model = running({
      tokens: [
        token('demo', {
          expiresAt: now + 60_000,
          issuedAt: now - 3_540_000,
          lastRefreshAt: now - 3_540_000,
          nextRefreshAt: now + 30_000,
          issuer: 'https://idp.test',
          audience: ['https://api.test'],
          scope: 'api:read',
          subject: 'alice',
          jtiPrefix: 'abcd1234',
          skewMs: 3_200,
        }),
      ],
    });
    for (const part of [
      'Expires T60 · last refresh T-3540 · next refresh T30',
      'Issuer `https://idp.test` · audience `https://api.test` · scope `api:read` · subject `alice` · jti `abcd1234…`',
      'Clock skew: +3.2 s',
      `[Copy](command:tokenAgent.copyFreshToken?${encodeURIComponent('["demo"]')})`,
      'Secret store: keychain',
    ]) {
      assert.ok(model.tooltip.includes(part), `tooltip lacks: ${part}\n${model.tooltip}`);
    }
  });

  it("says whether the shown token's signature verified against the issuer's keys, or why not", () => {
    const tokens = [
      token('api', { expiresAt: now + 600_000, verification: { verified: true, algorithm: 'ES256' } }),
      token('bare', {
        expiresAt: now + 600_000,
        verification: {
          verified: false,
          code: 'no-keys',
          reason: 'the token names a token endpoint but no issuer, so there are no published keys',
        },
      }),
      token('checking', { expiresAt: now + 600_000 }),
    ];
    // The tooltip details the shown token: pin each in turn.
    const detail = (name: string) =>
      renderStatusBar(
        { kind: 'running', status: status({ tokens }) },
        { ...options, pinned: name },
      ).tooltip.split('\n\n---\n\n')[1];
    assert.ok(
      detail('api')?.includes("Signature: verified (ES256) against the issuer's keys"),
      detail('api'),
    );
    assert.ok(
      detail('bare')?.includes(
        'Signature: not verified — the token names a token endpoint but no issuer, so there are no published keys',
      ),
      detail('bare'),
    );
    assert.ok(!detail('checking')?.includes('Signature'), 'nothing while the check runs');
  });

  it('escapes the reason a token did not verify, which may quote a server', () => {
    const crafted = 'its "aud" claim does not hold (expected [x](command:tokenAgent.copyFreshToken))';
    const model = running({
      tokens: [
        token('api', {
          expiresAt: now + 600_000,
          verification: { verified: false, code: 'claims', reason: crafted },
        }),
      ],
    });
    const links = [...model.tooltip.matchAll(/(?<!\\)\[[^\]]*\]\(command:/g)];
    assert.equal(links.length, 3, 'only our own Copy, Refresh and Pin links');
    assert.match(
      model.tooltip,
      /Signature: not verified — its "aud" claim does not hold \\\(expected \\\[x\\\]/,
    );
  });

  it('links only to commands the tooltip trusts (regression: Copy and Refresh links were refused)', () => {
    const views = [
      running(),
      running({ tokens: [token('demo', { expiresAt: now + 60_000 })] }),
      running({ store: { tier: 'unavailable', plaintext: false } }),
      running({ tokens: [token('gone', { phase: 'needs-sign-in' })] }),
      renderStatusBar({ kind: 'restarting', attempt: 1, retryAt: now }, options),
      renderStatusBar({ kind: 'stopped', reason: 'x' }, options),
    ];
    const linked = views.flatMap((view) =>
      [...view.tooltip.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]),
    );
    assert.ok(linked.includes('tokenAgent.signIn') && linked.length >= 8);
    for (const command of linked)
      assert.ok(tooltipCommands.includes(command ?? ''), `${command} is not trusted`);
  });

  it('escapes claims and messages, so a crafted token cannot add a command link to the trusted tooltip', () => {
    // Closes the code span early, then offers a link; as a message, a link outright.
    const crafted = 'x` [copy](command:tokenAgent.copyFreshToken?["demo"]) `y';
    const model = running({
      tokens: [
        token('demo', {
          expiresAt: now + 600_000,
          subject: crafted,
          lastError: { code: 'X', message: crafted },
        }),
      ],
    });
    // Markdown renders no link inside a code span; outside them only our two links may remain.
    const outsideCode = model.tooltip.replace(/`[^`]*`/g, '');
    const links = [...outsideCode.matchAll(/(?<!\\)\[[^\]]*\]\(command:/g)];
    assert.equal(links.length, 3, 'only our own Copy, Refresh and Pin links');
    assert.ok(!model.tooltip.includes('`[copy]'), 'the claim cannot close the code span');
  });

  it('shows a URL in a message as it is, in a code span, never linked with escaping backslashes', () => {
    const model = running({
      tokens: [
        token('demo', {
          expiresAt: now + 600_000,
          lastError: {
            code: 'ERR_TOKEN_ENDPOINT_HTTP',
            message:
              'The token endpoint (https://idp.example.com/oauth_token) answered 500 (see https://idp.example.com/status).',
          },
        }),
      ],
    });
    assert.ok(
      model.tooltip.includes(
        'The token endpoint \\(`https://idp.example.com/oauth_token`\\) answered 500 \\(see `https://idp.example.com/status`\\).',
      ),
      model.tooltip,
    );
    for (const url of model.tooltip.matchAll(/https:\/\/[^\s`]*/g)) assert.doesNotMatch(url[0], /\\/, url[0]);
  });

  it('shows the pinned token, even when another is more urgent, in the worst colour of all', () => {
    const tokens = [
      token('urgent', { expiresAt: now + 60_000 }),
      token('pasted', { type: 'static', expiresAt: now + 2 * 3_600_000 }),
    ];
    const model = renderStatusBar(
      { kind: 'running', status: status({ tokens }) },
      { ...options, pinned: 'pasted' },
    );
    assert.equal(model.text, '$(pinned) pasted 2h 0m');
    assert.match(model.ariaLabel, /^Token Agent: pasted expires in 7200 seconds at T7200, pinned, 2 tokens/);
    // 'urgent' is past its refresh point: the pinned token is fine, the item still says something is not.
    assert.equal(model.background, 'warning');
    const unpinned = running({ tokens });
    assert.equal(unpinned.text, '$(key) urgent 1:00');
    assert.doesNotMatch(unpinned.ariaLabel, /pinned/);
  });

  it('details only the shown token in the tooltip, the others a line each, most urgent first', () => {
    const model = running({
      tokens: [
        token('calm', { expiresAt: now + 3 * 3_600_000, issuer: 'https://calm.test' }),
        token('soon', { expiresAt: now + 30 * 60_000, issuer: 'https://soon.test' }),
        token('broken', { phase: 'needs-sign-in', issuer: 'https://broken.test' }),
      ],
    });
    const blocks = model.tooltip.split('\n\n---\n\n');
    assert.match(blocks[1] ?? '', /^\*\*broken\*\* — sign in needed/);
    assert.equal(model.tooltip.match(/Issuer /g)?.length, 1, 'claims of the shown token only');
    assert.equal(
      blocks[2],
      '**soon** — 30m  \n**calm** — 3h 0m\n\n[Open the Tokens view](command:tokenAgent.tokens.focus)',
    );
  });

  it('offers only the actions that apply to the shown token', () => {
    const links = (tokens: TokenState[], pinned?: string) => {
      const model = renderStatusBar({ kind: 'running', status: status({ tokens }) }, { ...options, pinned });
      const detail = model.tooltip.split('\n\n---\n\n')[1] ?? '';
      return [...detail.matchAll(/\[([^\]]+)\]\(command:/g)].map((m) => m[1]);
    };
    assert.deepEqual(links([token('a', { expiresAt: now + 3_600_000 })]), [
      'Copy',
      'Refresh now',
      'Pin to status bar',
    ]);
    assert.deepEqual(links([token('p', { type: 'static', expiresAt: now + 3_600_000 })], 'p'), [
      'Copy',
      'Unpin',
    ]);
    assert.deepEqual(links([token('s', { phase: 'needs-sign-in' })]), [
      'Sign in',
      'Copy',
      'Refresh now',
      'Pin to status bar',
    ]);
    assert.deepEqual(links([token('c', { type: 'oauth2-client-credentials', phase: 'needs-sign-in' })]), [
      'Copy',
      'Refresh now',
      'Pin to status bar',
    ]);
  });

  it('warns in the tooltip when secrets are kept in plaintext', () => {
    const model = running({
      store: { tier: 'file', plaintext: true },
      tokens: [token('a', { expiresAt: now + 600_000 })],
    });
    assert.match(model.tooltip, /\*\*plaintext\*\* \(file store\)/);
  });

  it('shows team mode in the tooltip, and a degraded team in the warning colour with its reason', () => {
    const tokens = [token('api', { expiresAt: now + 3_600_000 })];
    const ok = running({ tokens, team: { state: 'ok' } });
    assert.match(ok.tooltip, /Team mode: shared through Redis/);
    assert.equal(ok.background, undefined);
    const degraded = running({
      tokens,
      team: { state: 'degraded', detail: 'redis://127.0.0.1:6390 is unreachable [x](command:evil)' },
    });
    assert.equal(degraded.background, 'warning');
    assert.match(degraded.tooltip, /Team mode degraded: redis:\/\/127\.0\.0\.1:6390 is unreachable/);
    assert.doesNotMatch(degraded.tooltip, /(?<!\\)\[x\]\(command:evil/, 'the detail is escaped');
    assert.doesNotMatch(running({ tokens }).tooltip, /Team mode/, 'nothing without a team');
  });

  it('with no token, mentions an unavailable secret store without alarm', () => {
    const model = running({
      health: 'warning',
      message: 'Tokens cannot be added until the secret store works: Install gnome-keyring.',
      store: { tier: 'unavailable', plaintext: false, detail: 'Install gnome-keyring.' },
    });
    assert.equal(model.text, '$(key) Token Agent: no tokens');
    assert.equal(model.background, 'warning');
    assert.match(model.tooltip, /cannot be added until the secret store works/);
  });

  it('says when the secret store is unavailable for its tokens, in the error colour', () => {
    const model = running({
      store: { tier: 'unavailable', plaintext: false, detail: 'Install gnome-keyring.' },
      tokens: [token('demo', { phase: 'error' })],
    });
    assert.equal(model.text, '$(error) Token Agent: secret store unavailable');
    assert.equal(model.background, 'error');
    assert.match(model.tooltip, /Install gnome-keyring\./);
  });

  it('counts down to the next restart attempt and offers the fix on click', () => {
    const model = renderStatusBar({ kind: 'restarting', attempt: 3, retryAt: now + 3_200 }, options);
    assert.equal(model.text, '$(debug-disconnect) Token Agent: agent down');
    assert.match(model.tooltip, /Restarting in 4s \(attempt 3\)/);
    assert.equal(model.background, 'error');
    assert.equal(model.command, 'tokenAgent.restartAgent');
  });

  it('never counts below zero when the retry is overdue', () => {
    const model = renderStatusBar({ kind: 'restarting', attempt: 1, retryAt: now - 5_000 }, options);
    assert.match(model.ariaLabel, /restarting in 0 seconds/);
  });
});

describe('formatUptime', () => {
  it('uses the largest two units', () => {
    assert.equal(formatUptime(0), '0s');
    assert.equal(formatUptime(59_999), '59s');
    assert.equal(formatUptime(61_000), '1m 1s');
    assert.equal(formatUptime(3 * 3_600_000 + 12 * 60_000 + 7_000), '3h 12m');
    assert.equal(formatUptime(-5), '0s');
  });
});
