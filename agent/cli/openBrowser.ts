// Opens a URL in the user's default browser, the way each platform's own opener does it. Best effort:
// the URL has already been printed, so a machine without a desktop loses nothing when this fails.
import { spawn } from 'node:child_process';

export interface Opener {
  command: string;
  args: string[];
}

/** The platform's opener for `url`; undefined where there is clearly no desktop to open it on. */
export function browserOpener(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Opener | undefined {
  const parsed = new URL(url);
  // The URL comes from the issuer's metadata: never hand anything but a web URL to a system opener.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  const href = parsed.href;
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [href] };
    case 'win32':
      // Not `cmd /c start`: cmd would read the `&` between query parameters as a command separator.
      return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', href] };
    default:
      // An SSH session or a container has no display; xdg-open would then pick a text browser or fail.
      if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
      return { command: 'xdg-open', args: [href] };
  }
}

/** Starts the opener and resolves once it runs (not once the browser is up); rejects when it cannot. */
export function openInBrowser(url: string, opener = browserOpener(url)): Promise<void> {
  if (!opener) return Promise.reject(new Error('no desktop browser is available here'));
  return new Promise((resolve, reject) => {
    const child = spawn(opener.command, opener.args, { detached: true, stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
