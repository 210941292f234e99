// Renders `token-agent status` for people. Pure: takes the states and the clock.
import { describeVerification } from '../engine/verificationTracker';
import type { TeamHealth, TokenState } from '../protocol';

export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const sign = ms < 0 ? '-' : '';
  if (seconds < 60) return `${sign}${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${sign}${minutes}m ${seconds % 60}s`;
  return `${sign}${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * `in 42m 0s`; `in ~59m 0s, assumed` when the provider did not say and the agent assumed a lifetime;
 * `no expiry` for a pasted token that has none; `unknown (obtained 3m 0s ago)` for a command's token
 * that nothing dates; `-` while there is no token.
 */
export function expiresCell(state: TokenState, now: number): string {
  if (state.expiresAt === undefined && state.expiryUnknown) {
    const obtained = state.lastRefreshAt ?? state.issuedAt;
    return obtained === undefined ? 'unknown' : `unknown (obtained ${formatDuration(now - obtained)} ago)`;
  }
  if (state.expiresAt === undefined)
    return state.type === 'static' && (state.phase === 'fresh' || state.phase === 'expiring')
      ? 'no expiry'
      : '-';
  const approx = state.expiryAssumed ? '~' : '';
  const when =
    state.expiresAt > now
      ? `in ${approx}${formatDuration(state.expiresAt - now)}`
      : `${approx}${formatDuration(now - state.expiresAt)} ago`;
  return state.expiryAssumed ? `${when}, assumed` : when;
}

export function renderStatusTable(
  states: readonly TokenState[],
  store: string,
  now: number,
  team?: TeamHealth,
): string {
  if (states.length === 0) return `No tokens configured. Secret store: ${store}.\n`;
  const rows = states.map((state) => [
    state.name,
    state.phase,
    expiresCell(state, now),
    state.nextRefreshAt === undefined ? '-' : `in ${formatDuration(Math.max(0, state.nextRefreshAt - now))}`,
    // Only the code: the table stays one line per token, and `--json` carries the reason.
    state.verification ? describeVerification(state.verification) : '-',
    state.lastError ? `${state.lastError.code}: ${state.lastError.message}` : '',
  ]);
  const header = ['TOKEN', 'STATE', 'EXPIRES', 'NEXT REFRESH', 'SIGNATURE', 'LAST ERROR'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const teamLine = !team
    ? ''
    : team.state === 'ok'
      ? 'Team mode: ok.\n'
      : `Team mode: degraded (${team.detail}); refreshing on this machine alone.\n`;
  return `${[line(header), ...rows.map(line)].join('\n')}\n\nSecret store: ${store}.\n${teamLine}`;
}
