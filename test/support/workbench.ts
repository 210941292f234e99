// Reading and driving the real VS Code workbench the way a user does.
import type { Page } from 'playwright-core';

export const statusItem = '[id="token-agent-dev.token-agent.tokenAgent.status"]';

export async function statusLabel(page: Page): Promise<string> {
  return (
    (await page
      .locator(statusItem)
      .getAttribute('aria-label', { timeout: 1_000 })
      .catch(() => null)) ?? ''
  );
}

export async function statusText(page: Page): Promise<string> {
  return (
    (await page
      .locator(statusItem)
      .textContent({ timeout: 1_000 })
      .catch(() => null)) ?? ''
  ).trim();
}

/** Seconds left as the status bar states them for screen readers, when it shows a token. */
export async function secondsLeft(page: Page): Promise<number | undefined> {
  const match = /expires in (\d+) seconds/.exec(await statusLabel(page));
  return match ? Number(match[1]) : undefined;
}

/** Runs a command from the palette by its title, as a user would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

export async function readClipboard(page: Page): Promise<string> {
  return page.evaluate('navigator.clipboard.readText()') as Promise<string>;
}
