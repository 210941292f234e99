// The lines both ways of running a command print (through the user agent, or in process), so that a
// script or a person sees the same words whichever ran.
import { text } from 'node:stream/consumers';
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

/**
 * Reads one secret from stdin (prompting on a terminal), or undefined after saying why nothing is
 * stored: secrets come on stdin, never argv, and exactly one line of it.
 */
export async function readSecretLine(secret: string, name: string): Promise<string | undefined> {
  if (process.stdin.isTTY) process.stderr.write(`Paste the ${secret} for '${name}', then Ctrl-D:\n`);
  const value = (await text(process.stdin)).replace(/\r?\n$/, '');
  if (value === '' || /[\r\n]/.test(value)) {
    process.stderr.write('token-agent: expected exactly one line on stdin; nothing was stored.\n');
    return undefined;
  }
  return value;
}
