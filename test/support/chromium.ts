// Debian's Chromium driven by playwright-core (which never downloads a browser of its own here).
import { type Browser, chromium } from 'playwright-core';

// Without the background-networking flags Chromium keeps dialling hosts this closed network refuses;
// --no-sandbox because tests run as root.
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
}
