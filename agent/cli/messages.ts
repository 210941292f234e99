// The lines both ways of running a command print (through the user agent, or in process), so that a
// script or a person sees the same words whichever ran.
import { text } from 'node:stream/consumers';
import { formatDuration } from './statusTable';

/**
 * After `get`: the token lives less than asked, which no refresh would change; or, when its expiry is
 * assumed, it was just refreshed and nobody knows whether it lasts longer.
 */
export function shortOfMinValid(
  name: string,
  validForMs: number,
  minValidSeconds: number,
  expiryAssumed = false,
): string {
  return expiryAssumed
    ? `token-agent: warning: '${name}' was refreshed but is only known to be valid for ~${formatDuration(validForMs)} (assumed: its provider does not say when tokens expire), less than the ${minValidSeconds}s asked; set "lifetimeSeconds" in its definition if you know better.\n`
    : `token-agent: warning: '${name}' is valid for ${formatDuration(validForMs)}, less than the ${minValidSeconds}s asked: its provider issues shorter-lived tokens.\n`;
}

/** After `refresh`; `preview` is a masked prefix, never the token. */
export function refreshed(
  name: string,
  expiresAt: number | undefined,
  preview?: string,
  expiryAssumed = false,
): string {
  const left =
    expiresAt === undefined
      ? 'no known expiry'
      : expiryAssumed
        ? `expires in ~${formatDuration(expiresAt - Date.now())}, assumed (its provider does not say)`
        : `expires in ${formatDuration(expiresAt - Date.now())}`;
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
