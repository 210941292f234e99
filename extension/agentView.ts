// What the extension knows about the agent, and how that is drawn in the status bar.
// Pure: no `vscode` import, so it is unit-tested with plain data and a fixed clock.
import type { AgentStatus } from '../agent/protocol';

export type AgentView =
  | { kind: 'starting' }
  | { kind: 'running'; status: AgentStatus }
  | { kind: 'restarting'; attempt: number; retryAt: number }
  | { kind: 'stopped'; reason: string };

export type Background = 'warning' | 'error' | undefined;

export interface StatusBarModel {
  text: string;
  /** Markdown. Command links are allowed (the tooltip is marked trusted for our own commands only). */
  tooltip: string;
  ariaLabel: string;
  background: Background;
  command: string;
}

export function renderStatusBar(view: AgentView, now: number): StatusBarModel {
  switch (view.kind) {
    case 'starting':
      return {
        text: '$(sync~spin) Token Agent',
        tooltip: 'Starting the token agent…',
        ariaLabel: 'Token Agent: starting',
        background: undefined,
        command: 'tokenAgent.showLog',
      };
    case 'restarting': {
      const seconds = Math.max(0, Math.ceil((view.retryAt - now) / 1000));
      return {
        text: '$(debug-disconnect) Token Agent: agent down',
        tooltip: `The token agent stopped unexpectedly. Restarting in ${seconds}s (attempt ${view.attempt}).\n\n[Show log](command:tokenAgent.showLog) · [Restart now](command:tokenAgent.restartAgent)`,
        ariaLabel: `Token Agent: agent down, restarting in ${seconds} seconds`,
        background: 'error',
        command: 'tokenAgent.restartAgent',
      };
    }
    case 'stopped':
      return {
        text: '$(error) Token Agent: stopped',
        tooltip: `${view.reason}\n\n[Show log](command:tokenAgent.showLog) · [Restart](command:tokenAgent.restartAgent)`,
        ariaLabel: `Token Agent: stopped. ${view.reason}`,
        background: 'error',
        command: 'tokenAgent.restartAgent',
      };
    case 'running':
      return renderRunning(view.status, now);
  }
}

function renderRunning(status: AgentStatus, now: number): StatusBarModel {
  const tokenCount = status.tokens.length;
  const summary = tokenCount === 0 ? 'no tokens' : `${tokenCount} token${tokenCount === 1 ? '' : 's'}`;
  const storeLine = status.store.plaintext
    ? `$(warning) Secrets are stored in **plaintext** (${status.store.tier}).`
    : `Secret store: ${status.store.tier}${status.store.detail ? ` — ${status.store.detail}` : ''}`;
  const lines = [
    `**Token Agent** ${status.version} — agent pid ${status.pid}, up ${formatUptime(now - status.startedAt)}`,
    '',
    storeLine,
    '',
    `Leak lint: ${status.lint.enabled ? 'on' : 'off'}`,
  ];
  if (status.message) lines.push('', status.message);
  return {
    text: `$(key) Token Agent: ${summary}`,
    tooltip: lines.join('\n'),
    ariaLabel: `Token Agent ${status.version}, agent pid ${status.pid}, ${summary}`,
    background: status.health === 'error' ? 'error' : status.health === 'warning' ? 'warning' : undefined,
    command: 'tokenAgent.showStatus',
  };
}

export function formatUptime(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}
