// What the extension knows about the agent, and how that is drawn in the status bar.
// Pure: no `vscode` import, so it is unit-tested with plain data and a fixed clock.
import type { AgentStatus, TokenState } from '../agent/protocol';
import { expiryText, type Severity, sortByUrgency, tokenSeverity, tokenSummary } from './countdown';
import { shownToken } from './tokenRows';

export type AgentView =
  | { kind: 'starting' }
  | { kind: 'running'; status: AgentStatus }
  | { kind: 'restarting'; attempt: number; retryAt: number }
  | { kind: 'stopped'; reason: string };

export type Background = 'warning' | 'error' | undefined;

/** The only commands the tooltip's links may run (VS Code refuses the others). */
export const tooltipCommands = [
  'tokenAgent.showLog',
  'tokenAgent.restartAgent',
  'tokenAgent.showStatus',
  'tokenAgent.copyFreshToken',
  'tokenAgent.refreshNow',
  'tokenAgent.addToken',
  'tokenAgent.pasteToken',
  'tokenAgent.signIn',
  'tokenAgent.pinToStatusBar',
  'tokenAgent.unpinFromStatusBar',
  'tokenAgent.tokens.focus',
];

export interface StatusBarModel {
  text: string;
  /** Markdown. Command links are allowed (the tooltip is marked trusted for our own commands only). */
  tooltip: string;
  ariaLabel: string;
  background: Background;
  command: string;
}

export function renderStatusBar(view: AgentView, options: RenderOptions): StatusBarModel {
  const { now } = options;
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
        tooltip: `${md(view.reason)}\n\n[Show log](command:tokenAgent.showLog) · [Restart](command:tokenAgent.restartAgent)`,
        ariaLabel: `Token Agent: stopped. ${view.reason}`,
        background: 'error',
        command: 'tokenAgent.restartAgent',
      };
    case 'running':
      return renderRunning(view.status, options);
  }
}

export interface RenderOptions {
  now: number;
  warnBeforeSeconds: number;
  /** Local wall-clock time of a Unix ms instant; injected so tests do not depend on the time zone. */
  formatTime: (ms: number) => string;
  /** The token the user pinned to the status bar; the most urgent one is shown without a pin. */
  pinned?: string | undefined;
}

function renderRunning(status: AgentStatus, options: RenderOptions): StatusBarModel {
  const { now } = options;
  const agentLine = `Token Agent ${status.version}, agent pid ${status.pid}`;
  if (status.agentDown !== undefined) {
    return {
      text: '$(debug-disconnect) Token Agent: agent down',
      tooltip: `${md(status.agentDown)}\n\n[Show log](command:tokenAgent.showLog) · [Restart](command:tokenAgent.restartAgent)`,
      ariaLabel: `Token Agent: agent down. ${status.agentDown}`,
      background: 'error',
      command: 'tokenAgent.showLog',
    };
  }
  if (status.store.tier === 'unavailable' && status.tokens.length > 0) {
    return {
      text: '$(error) Token Agent: secret store unavailable',
      tooltip: `**The OS secret store is not available.** ${md(status.store.detail ?? '')}\n\nNo secret is written anywhere else. [Show log](command:tokenAgent.showLog)`,
      ariaLabel: `${agentLine}. Secret store unavailable: ${status.store.detail ?? ''}`,
      background: 'error',
      command: 'tokenAgent.showStatus',
    };
  }
  const shown = shownToken(status.tokens, options.pinned, now, options.warnBeforeSeconds);
  if (!shown) {
    return {
      text: '$(key) Token Agent: no tokens',
      tooltip: `${header(status, now)}\n\nNo token is configured. [Add a token](command:tokenAgent.addToken) or [paste one](command:tokenAgent.pasteToken) to watch.${status.message ? `\n\n$(warning) ${md(status.message)}` : ''}${problemsBlock(status)}`,
      ariaLabel: `${agentLine}, no tokens`,
      background: status.health === 'warning' ? 'warning' : undefined,
      command: 'tokenAgent.addToken',
    };
  }
  const { token, pinned } = shown;
  const severity = tokenSeverity(token, now, options.warnBeforeSeconds);
  const icon =
    token.phase === 'refreshing'
      ? '$(sync~spin)'
      : severity === 'error'
        ? '$(error)'
        : pinned
          ? '$(pinned)'
          : '$(key)';
  const secondsLeft =
    token.expiresAt === undefined ? undefined : Math.max(0, Math.floor((token.expiresAt - now) / 1000));
  const expiry =
    token.expiresAt === undefined
      ? tokenSummary(token, now)
      : `expires in ${token.expiryAssumed ? 'about ' : ''}${secondsLeft} seconds at ${options.formatTime(token.expiresAt)}${token.expiryAssumed ? ', assumed' : ''}`;
  // A pinned token that is fine must not hide another that is not: the colour is the worst of all.
  const worst = status.tokens
    .map((t) => tokenSeverity(t, now, options.warnBeforeSeconds))
    .reduce<Severity>((a, b) => (rank[b] < rank[a] ? b : a), severity);
  const others = sortByUrgency(
    status.tokens.filter((t) => t !== token),
    now,
    options.warnBeforeSeconds,
  );
  return {
    text: `${icon} ${token.name} ${tokenSummary(token, now)}`,
    tooltip:
      [
        header(status, now),
        tokenBlock(token, pinned, options),
        ...(others.length ? [othersBlock(others, options)] : []),
        storeLine(status),
      ].join('\n\n---\n\n') + problemsBlock(status),
    ariaLabel: `Token Agent: ${token.name} ${expiry}${pinned ? ', pinned' : ''}, ${status.tokens.length} token${status.tokens.length === 1 ? '' : 's'}, ${agentLine}`,
    // A degraded team still refreshes, but machines may each refresh once: worth a glance, not alarm.
    background: worst !== 'ok' ? worst : status.team?.state === 'degraded' ? 'warning' : undefined,
    command: 'tokenAgent.showStatus',
  };
}

const rank: Record<Severity, number> = { error: 0, warning: 1, ok: 2 };

// The tooltip details one token; the rest get a line each, most urgent first, and the view has more.
function othersBlock(tokens: readonly TokenState[], options: RenderOptions): string {
  const marks: Record<Severity, string> = { error: '$(error) ', warning: '$(warning) ', ok: '' };
  const lines = tokens.map(
    (t) =>
      `${marks[tokenSeverity(t, options.now, options.warnBeforeSeconds)]}**${md(t.name)}** — ${tokenSummary(t, options.now)}`,
  );
  return `${lines.join('  \n')}\n\n[Open the Tokens view](command:tokenAgent.tokens.focus)`;
}

function header(status: AgentStatus, now: number): string {
  return `**Token Agent** ${status.version} — agent pid ${status.pid}, up ${formatUptime(now - status.startedAt)}`;
}

function storeLine(status: AgentStatus): string {
  const store = status.store.plaintext
    ? `$(warning) Secrets are stored in **plaintext** (${status.store.tier} store).`
    : `Secret store: ${status.store.tier}`;
  if (!status.team) return store;
  const team =
    status.team.state === 'ok'
      ? 'Team mode: shared through Redis'
      : `$(warning) Team mode degraded: ${md(status.team.detail)}; refreshing on this machine alone`;
  return `${store}\n\n${team}`;
}

function problemsBlock(status: AgentStatus): string {
  return status.problems.length === 0 ? '' : `\n\n$(warning) Config: ${md(status.problems.join('; '))}`;
}

function commandLink(title: string, command: string, name: string): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([name]))})`;
}

function tokenBlock(token: TokenState, pinned: boolean, options: RenderOptions): string {
  const { now, formatTime } = options;
  const lines = [
    `**${token.name}** — ${tokenSummary(token, now)} · ${token.phase}${pinned ? ' · pinned to the status bar' : ''}`,
  ];
  const facts: string[] = [];
  if (token.expiresAt !== undefined) {
    const text = expiryText(token, formatTime);
    facts.push(
      `${text[0]?.toUpperCase()}${text.slice(1)}${token.expiryAssumed ? ' (the provider did not say)' : ''}`,
    );
  }
  // Said in full once: why there is no countdown, and what a request for it does.
  if (token.expiresAt === undefined && token.expiryUnknown)
    facts.push('Expiry unknown: its command does not say, so each request for it runs the command again');
  if (token.lastRefreshAt !== undefined) facts.push(`last refresh ${formatTime(token.lastRefreshAt)}`);
  if (token.nextRefreshAt !== undefined) facts.push(`next refresh ${formatTime(token.nextRefreshAt)}`);
  if (facts.length) lines.push(facts.join(' · '));
  const claims: string[] = [];
  if (token.issuer) claims.push(`Issuer ${code(token.issuer)}`);
  if (token.audience?.length) claims.push(`audience ${code(token.audience.join(', '))}`);
  if (token.scope) claims.push(`scope ${code(token.scope)}`);
  if (token.subject) claims.push(`subject ${code(token.subject)}`);
  if (token.jtiPrefix) claims.push(`jti ${code(`${token.jtiPrefix}…`)}`);
  if (claims.length) lines.push(claims.join(' · '));
  const signature = signatureLine(token);
  if (signature) lines.push(signature);
  if (token.skewMs)
    lines.push(
      `Clock skew: ${token.skewMs > 0 ? '+' : ''}${(token.skewMs / 1000).toFixed(1)} s (server ahead when positive)`,
    );
  if (token.lastError) lines.push(`$(warning) ${md(token.lastError.message)}`);
  lines.push(tokenActions(token, pinned).join(' · '));
  return lines.join('\n\n');
}

/** Only the actions that apply: no Refresh on a pasted token, Sign in only where it would help. */
function tokenActions(token: TokenState, pinned: boolean): string[] {
  const links = [commandLink('Copy', 'tokenAgent.copyFreshToken', token.name)];
  if (token.type !== 'static') links.push(commandLink('Refresh now', 'tokenAgent.refreshNow', token.name));
  if (token.phase === 'needs-sign-in' && token.type === 'oauth2-refresh-token') {
    links.unshift(commandLink('Sign in', 'tokenAgent.signIn', token.name));
  }
  links.push(
    pinned
      ? '[Unpin](command:tokenAgent.unpinFromStatusBar)'
      : commandLink('Pin to status bar', 'tokenAgent.pinToStatusBar', token.name),
  );
  return links;
}

// Nothing while the agent checks, or for tokens it does not check (static and command tokens).
function signatureLine(token: TokenState): string | undefined {
  const verification = token.verification;
  if (!verification) return undefined;
  return verification.verified
    ? `Signature: verified (${md(verification.algorithm)}) against the issuer's keys`
    : `Signature: not verified — ${md(verification.reason)}`;
}

// Claims, error messages and config problems come from servers and files, and the tooltip is trusted
// with our commands: escaped, they cannot open a link or a code span of their own.
// A URL goes into a code span instead: escaped, the renderer would link it with its backslashes
// (`https://idp.example.com/oauth\_token\)`, issue #14 item 6), and a code span is never a link.
function md(text: string): string {
  return text
    .split(urlPattern)
    .map((part, i) => (i % 2 === 1 ? code(part) : part.replace(/[\\`*_[\]()<>|#!]/g, '\\$&')))
    .join('');
}

// What a sentence puts after a URL (a full stop, a closing parenthesis) stays outside the span.
const urlPattern = /(https?:\/\/[^\s<>`]*[^\s<>`.,;:!?'")\]])/;

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
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
