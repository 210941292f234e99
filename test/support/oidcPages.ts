// Chromium (playwright-core) as the user's browser for the sign-in tests: it fills in oidc-provider's
// development login and consent pages (any login and password are accepted) and its device-code pages.
// Each sign-in gets a fresh browser context, so no session cookie skips the login page.
import type { Browser, BrowserContext, Page } from 'playwright-core';

export { chromiumArgs, launchChromium } from './chromium';

const stepTimeoutMs = 15_000;

export interface SignInBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A fresh context whose requests may reach loopback only: the provider's pages @import a web font,
 * and this machine has no internet to wait for.
 */
export async function openSignInBrowser(browser: Browser): Promise<SignInBrowser> {
  const context = await browser.newContext();
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  return { context, page, close: () => context.close() };
}

/** Fills oidc-provider's login page, then accepts its consent page. */
export async function logInAndConsent(page: Page, login = 'alice'): Promise<void> {
  const loginField = page.locator('input[name="login"]');
  await loginField.waitFor();
  await loginField.fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('form:has(input[name="prompt"][value="login"]) button[type="submit"]').click();
  await consent(page);
}

/**
 * Accepts oidc-provider's consent page: the only page it shows a browser that is still logged in
 * (its session cookie) when the request asks for consent again (`prompt=consent`, for offline_access).
 */
export async function consent(page: Page): Promise<void> {
  const button = page.locator('form:has(input[name="prompt"][value="consent"]) button[type="submit"]');
  await button.waitFor();
  await button.click();
}

/** The browser half of the loopback flow: from the authorization URL to our "signed in" page. */
export async function completeBrowserSignIn(page: Page, authorizationUrl: string): Promise<string> {
  await page.goto(authorizationUrl);
  return finishBrowserSignIn(page);
}

/**
 * The same, in a tab already at the authorization URL: logs in (unless this browser still is) and
 * consents, and returns the URL of the agent's "signed in" page that the redirect ended on.
 */
export async function finishBrowserSignIn(page: Page, options: { loggedIn?: boolean } = {}): Promise<string> {
  if (options.loggedIn) await consent(page);
  else await logInAndConsent(page);
  await page.getByText('You are signed in').waitFor();
  return page.url();
}

/**
 * The browser half of the device flow: opens the verification URL with the code filled in (or types
 * the code at the bare one; or continues in a tab already opened at the complete URI), confirms, logs
 * in and consents, and waits for the provider's success page.
 */
export async function completeDeviceSignIn(
  page: Page,
  target: { verificationUriComplete?: string; verificationUri: string; userCode: string },
  options: { abort?: boolean; alreadyOpen?: boolean } = {},
): Promise<void> {
  // A tab the editor opened at the complete URI has already posted the code: it asks to confirm.
  if (!options.alreadyOpen && target.verificationUriComplete) {
    await page.goto(target.verificationUriComplete);
  } else if (!options.alreadyOpen) {
    await page.goto(target.verificationUri);
    await page.locator('input[name="user_code"]').fill(target.userCode);
    await page.locator('button[type="submit"][form="op.deviceInputForm"]').click();
  }
  await page.getByText('Confirm Device').waitFor();
  if (options.abort) {
    await page.locator('button[name="abort"]').click();
    await page.getByText('The Sign-in request was interrupted').waitFor();
    return;
  }
  await page.locator('button[autofocus][form="op.deviceConfirmForm"]').click();
  await logInAndConsent(page);
  await page.getByText('Sign-in Success').waitFor();
}
