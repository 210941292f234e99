import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentStatus, TokenState } from '../../agent/protocol';
import { formatUptime, renderStatusBar } from '../../extension/agentView';

const now = 1_800_000_000_000;
const status = (overrides: Partial<AgentStatus> = {}): AgentStatus => ({
  version: '9.9.9',
  pid: 4242,
  startedAt: now - 125_000,
  health: 'ok',
  store: { tier: 'keychain', plaintext: false },
  lint: { enabled: true },
  tokens: [],
  ...overrides,
});

const token = (name: string): TokenState => ({
  name,
  type: 'static',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
});

describe('renderStatusBar', () => {
  it('shows a spinner while the agent starts', () => {
    const model = renderStatusBar({ kind: 'starting' }, now);
    assert.match(model.text, /^\$\(sync~spin\)/);
    assert.equal(model.background, undefined);
  });

  it('says how many tokens a running agent holds, with its pid and version for screen readers', () => {
    assert.equal(
      renderStatusBar({ kind: 'running', status: status() }, now).text,
      '$(key) Token Agent: no tokens',
    );
    const two = renderStatusBar(
      {
        kind: 'running',
        status: status({
          tokens: [token('a'), token('b')],
        }),
      },
      now,
    );
    assert.equal(two.text, '$(key) Token Agent: 2 tokens');
    assert.equal(two.ariaLabel, 'Token Agent 9.9.9, agent pid 4242, 2 tokens');
    assert.match(two.tooltip, /up 2m 5s/);
  });

  it('warns in the tooltip when secrets are kept in plaintext', () => {
    const model = renderStatusBar(
      { kind: 'running', status: status({ store: { tier: 'file', plaintext: true } }) },
      now,
    );
    assert.match(model.tooltip, /\*\*plaintext\*\* \(file\)/);
  });

  it('colours by health', () => {
    assert.equal(
      renderStatusBar({ kind: 'running', status: status({ health: 'warning' }) }, now).background,
      'warning',
    );
    assert.equal(
      renderStatusBar({ kind: 'running', status: status({ health: 'error' }) }, now).background,
      'error',
    );
  });

  it('counts down to the next restart attempt and offers the fix on click', () => {
    const model = renderStatusBar({ kind: 'restarting', attempt: 3, retryAt: now + 3_200 }, now);
    assert.equal(model.text, '$(debug-disconnect) Token Agent: agent down');
    assert.match(model.tooltip, /Restarting in 4s \(attempt 3\)/);
    assert.equal(model.background, 'error');
    assert.equal(model.command, 'tokenAgent.restartAgent');
  });

  it('never counts below zero when the retry is overdue', () => {
    const model = renderStatusBar({ kind: 'restarting', attempt: 1, retryAt: now - 5_000 }, now);
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
