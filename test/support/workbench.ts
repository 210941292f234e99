// Reading and driving the real VS Code workbench the way a user does.
import type { Locator, Page } from 'playwright-core';

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
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 10_000 });
  // On a loaded machine the list may still show the previous filter's first row when Enter lands:
  // press Enter only once the highlighted row is the command, and otherwise pick it by a click.
  const focused = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: title });
  const ready = await focused
    .waitFor({ timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (ready) await page.keyboard.press('Enter');
  else await row.click();
}

export async function readClipboard(page: Page): Promise<string> {
  return page.evaluate('navigator.clipboard.readText()') as Promise<string>;
}

/** Answers a modal dialog (VS Code draws its own in a web window) with the named button. */
export async function answerDialog(page: Page, text: string, button: string): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text });
  await dialog.waitFor({ timeout: 10_000 });
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
}

/** Dismisses every notification, so that a later wait for one cannot match an earlier one. */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: 10_000 });
}

/**
 * Opens the quick-fix menu at the cursor (Ctrl+.) and returns its row with `text`. Pressed in the
 * editor, not run from the palette: the palette hands focus back to the editor asynchronously, and
 * a Quick Fix that runs before it lands has no editor to act on. A menu that does not show is
 * closed and asked for again, as a user would.
 */
export async function openQuickFix(page: Page, text: string): Promise<Locator> {
  const row = page.locator('.action-widget .monaco-list-row', { hasText: text }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+.');
    const shown = await row
      .waitFor({ timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (shown) return row;
    if (attempt === 3) throw new Error(`the quick-fix menu did not offer '${text}' in ${attempt} tries`);
    await page.keyboard.press('Escape');
  }
}
