// The Tokens view's contributions and the rows the code draws must agree: the menus match the
// contextValues tokenRows.ts produces, so each row offers exactly the actions that apply to it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AgentStatus, TokenPhase, TokenState, TokenType } from '../../agent/protocol';
import { authProviderId, authProviderLabel } from '../../extension/authSessions';
import { type TokenRow, tokenRows } from '../../extension/tokenRows';

interface MenuItem {
  command: string;
  when: string;
  group?: string;
}

interface Manifest {
  contributes: {
    commands: { command: string; icon?: string }[];
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string; when?: string }[];
    authentication: { id: string; label: string }[];
    menus: Record<string, MenuItem[]>;
  };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const { contributes } = manifest;
const viewId = 'tokenAgent.tokens';

/** Evaluates the only when-clause shape these menus use: `view == X && viewItem =~ /re/`. */
function shows(item: MenuItem, contextValue: string): boolean {
  const match = /^view == ([\w.]+) && viewItem =~ \/(.+)\/$/.exec(item.when);
  assert.ok(match, `unexpected when clause: ${item.when}`);
  return match[1] === viewId && new RegExp(match[2] ?? '').test(contextValue);
}

const now = 1_800_000_000_000;
const types: TokenType[] = ['oauth2-refresh-token', 'oauth2-client-credentials', 'command', 'static'];
const phases: Partial<TokenState>[] = [
  { phase: 'fresh', expiresAt: now + 3_600_000 },
  { phase: 'fresh', expiresAt: now + 10_000 },
  { phase: 'fresh', expiresAt: now - 1_000 },
  { phase: 'refreshing' as TokenPhase, expiresAt: now + 3_600_000 },
  { phase: 'error', lastError: { code: 'X', message: 'failed' } },
  { phase: 'needs-sign-in' },
];
const status: AgentStatus = {
  version: '0',
  problems: [],
  pid: 1,
  startedAt: now,
  health: 'ok',
  store: { tier: 'keychain', plaintext: false },
  lint: { enabled: true },
  tokens: types.flatMap((type) =>
    phases.map((p, i) => ({ name: `${type}-${i}`, type, phase: 'fresh', refreshBeforeSeconds: 120, ...p })),
  ),
};
const rowsFor = (pinned?: string) =>
  tokenRows(status, { now, warnBeforeSeconds: 300, pinned, formatTime: String }) as TokenRow[];

const actions = (place: 'inline' | 'context', row: TokenRow) =>
  (contributes.menus['view/item/context'] ?? [])
    .filter((item) => (place === 'inline') === (item.group ?? '').startsWith('inline'))
    .filter((item) => shows(item, row.contextValue))
    .map((item) => item.command);

describe('Tokens view contributions', () => {
  it('puts the Tokens view in its own activity-bar container, with an icon that is packaged', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.ok(container);
    assert.deepEqual(
      contributes.views[container.id]?.map((v) => v.id),
      [viewId],
    );
    assert.ok(existsSync(container.icon), `${container.icon} is missing`);
    // .vscodeignore packages nothing unless it is listed: the icon's folder must be.
    const ignore = readFileSync('.vscodeignore', 'utf8').split('\n');
    assert.ok(
      ignore.includes(`!${container.icon.split('/')[0]}/**`),
      'the icon would be left out of the .vsix',
    );
  });

  it('offers inline Copy everywhere, Refresh except on static tokens, and Sign In only where it helps', () => {
    for (const row of rowsFor()) {
      const inline = actions('inline', row);
      const type = row.contextValue.split('.')[1];
      assert.ok(inline.includes('tokenAgent.copyFreshToken'), row.contextValue);
      assert.equal(inline.includes('tokenAgent.refreshNow'), type !== 'static', row.contextValue);
      assert.equal(
        inline.includes('tokenAgent.signIn'),
        type === 'oauth2-refresh-token' && row.state === 'needsSignIn',
        row.contextValue,
      );
    }
  });

  it('offers Pin on every token row until it is pinned, then Unpin instead', () => {
    const name = status.tokens[0]?.name;
    for (const row of rowsFor(name)) {
      const menu = actions('context', row);
      assert.equal(menu.includes('tokenAgent.pinToStatusBar'), !row.pinned, row.contextValue);
      assert.equal(menu.includes('tokenAgent.unpinFromStatusBar'), row.pinned, row.contextValue);
      assert.equal(
        menu.includes('tokenAgent.signIn'),
        row.contextValue.startsWith('token.oauth2-refresh-token.'),
      );
    }
  });

  it('gives inline and title actions an icon, and names only contributed commands', () => {
    const commands = new Map(contributes.commands.map((c) => [c.command, c]));
    const placed = [
      ...(contributes.menus['view/item/context'] ?? []).filter((i) => i.group?.startsWith('inline')),
      ...(contributes.menus['view/title'] ?? []),
    ];
    for (const item of placed) assert.ok(commands.get(item.command)?.icon, `${item.command} needs an icon`);
    for (const item of Object.values(contributes.menus).flat())
      assert.ok(commands.has(item.command), `${item.command} is not contributed`);
    const linked = contributes.viewsWelcome.flatMap((w) => [...w.contents.matchAll(/\(command:([\w.]+)\)/g)]);
    for (const [, command] of linked) assert.ok(commands.has(command ?? ''), `${command} is not contributed`);
  });

  it('welcomes a user with no token with Add Token and Sign In buttons', () => {
    const welcome = contributes.viewsWelcome.find(
      (w) => w.view === viewId && w.when === 'tokenAgent.agentState == running',
    );
    assert.ok(welcome);
    assert.match(welcome.contents, /^\[Add Token\]\(command:tokenAgent\.addToken\)$/m);
    assert.match(welcome.contents, /^\[Sign In\]\(command:tokenAgent\.signIn\)$/m);
  });

  it('declares the authentication provider the extension registers, so getSession can activate it', () => {
    assert.deepEqual(contributes.authentication, [{ id: authProviderId, label: authProviderLabel }]);
  });
});
