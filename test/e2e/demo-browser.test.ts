// The demo as a newcomer meets it: `npm run demo`, open the printed address, run Copy Fresh Token with
// the default settings. It failed once because the demo's tokens lived less than the default minimum.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { freePort, openWorkbench, type Workbench } from '../support/codeServer';
import { waitUntil } from '../support/waitFor';
import { readClipboard, runCommand, statusItem } from '../support/workbench';

// The extension's default for tokenAgent.copy.minValiditySeconds: the demo must meet it untouched.
const defaultMinValiditySeconds = 300;

describe('the demo in a browser, with default settings', { timeout: 300_000 }, () => {
  it('shows the status item, and Copy Fresh Token hands over a token valid for the default 5 minutes', async (t) => {
    const port = await freePort();
    const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    demo.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let workbench: Workbench | undefined;
    try {
      await waitUntil(async () => /Ctrl-C stops the demo/.test(output) || exited(demo), 'the demo', 240_000);
      assert.ok(!exited(demo), output);
      const address = /Open (http:\/\/\S+)\/\?folder=(\S+)/.exec(output);
      const issuer = /demo token server at (\S+)/.exec(output)?.[1];
      assert.ok(address?.[1] && address[2] && issuer, output);

      workbench = await openWorkbench(address[1], decodeURIComponent(address[2]));
      const drawn = Date.now();
      const page = workbench.page;
      await page.locator(statusItem).waitFor({ timeout: 60_000 });
      const itemShown = Date.now();
      await page.locator(statusItem, { hasText: 'demo' }).waitFor({ timeout: 60_000 });
      // Reported, not asserted: how long a newcomer looks at a workbench without the countdown.
      t.diagnostic(
        `status item ${itemShown - drawn} ms after the workbench was drawn, the demo token ${Date.now() - drawn} ms`,
      );

      const askedAt = Date.now();
      await runCommand(page, 'Token Agent: Copy Fresh Token');
      // Two demo tokens: the picker asks which.
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'demo' }).first();
      await row.waitFor({ timeout: 15_000 });
      await row.click();
      const toast = page.locator('.notification-toast', { hasText: "Copied 'demo'" });
      await toast.waitFor({ timeout: 30_000 });
      const notice = (await toast.textContent()) ?? '';
      assert.doesNotMatch(notice, /less than/, 'the demo token lives longer than the default asks');
      // A toast without buttons shows one line: the message must fit it, not end in "…" (#14 item 6).
      const line = await toast.locator('.notification-list-item-message').evaluate((element) => {
        const text = element.ownerDocument.createRange();
        text.selectNodeContents(element);
        return {
          shown: element.clientWidth,
          needed: element.scrollWidth,
          text: text.getBoundingClientRect().width,
          chars: element.textContent?.length ?? 0,
        };
      });
      // Reported: how many characters of this kind a collapsed toast line holds (extension/notices.ts).
      t.diagnostic(
        `copy toast: ${line.chars} characters, ${Math.round(line.text)} of ${line.shown} px (~${Math.floor((line.shown * line.chars) / line.text)} fit)`,
      );
      assert.ok(line.needed <= line.shown, `the copy notice is cut off: ${notice}`);
      const copied = await readClipboard(page);
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
        jwks_uri: string;
      };
      const { payload } = await jwtVerify(copied, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
        issuer,
      });
      const validMs = (payload.exp ?? 0) * 1000 - askedAt;
      assert.ok(
        validMs >= defaultMinValiditySeconds * 1000,
        `valid for ${Math.round(validMs / 1000)} s after the request, the default asks ${defaultMinValiditySeconds} s`,
      );
    } finally {
      await workbench?.close();
      if (!exited(demo)) demo.kill('SIGINT');
      const code = await exitCode(demo);
      // Ctrl-C is how the README says to stop it: a clean exit.
      assert.equal(code, 0, output);
    }
  });
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (exited(child)) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('close', (code) => done(code)));
}
