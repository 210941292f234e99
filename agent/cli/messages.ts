// The lines both ways of running a command print (through the user agent, or in process), so that a
// script or a person sees the same words whichever ran.
import { formatDuration } from './statusTable';

/** After `get`: the token lives less than asked, which no refresh would change. */
export function shortOfMinValid(name: string, validForMs: number, minValidSeconds: number): string {
  return `token-agent: warning: '${name}' is valid for ${formatDuration(validForMs)}, less than the ${minValidSeconds}s asked: its provider issues shorter-lived tokens.\n`;
}

/** After `refresh`; `preview` is a masked prefix, never the token. */
export function refreshed(name: string, expiresAt: number | undefined, preview?: string): string {
  const left =
    expiresAt === undefined ? 'no known expiry' : `expires in ${formatDuration(expiresAt - Date.now())}`;
  return `Refreshed '${name}'${preview ? ` (${preview})` : ''}, ${left}.\n`;
}
