// The pages the loopback listener shows in the user's browser when the sign-in ends. Static HTML
// with no script and no outside resources; everything interpolated is escaped.

export interface Page {
  status: number;
  html: string;
}

export function signedInPage(tokenName: string, issuer: string): Page {
  return {
    status: 200,
    html: layout(
      'Signed in',
      `<h1>You are signed in to ${escapeHtml(tokenName)}</h1>
<p>Token Agent now holds a refresh token from ${escapeHtml(new URL(issuer).host)} in your secret store.</p>
<p>You can close this tab.</p>`,
    ),
  };
}

export function failedPage(tokenName: string, message: string, code: string): Page {
  return {
    status: 400,
    html: layout(
      'Sign-in failed',
      `<h1>The sign-in to ${escapeHtml(tokenName)} failed</h1>
<p class="error">${escapeHtml(message)}</p>
<p><code>${escapeHtml(code)}</code></p>
<p>Close this tab and start the sign-in again from Token Agent.</p>`,
    ),
  };
}

export function finishedPage(): Page {
  return {
    status: 409,
    html: layout(
      'Sign-in already finished',
      '<h1>This sign-in has already finished</h1><p>You can close this tab.</p>',
    ),
  };
}

export function notFoundPage(): Page {
  return { status: 404, html: layout('Not found', '<h1>Not found</h1>') };
}

/**
 * Headers for every answer: nothing cached, no referrer (the callback URL carries the authorization
 * code), and a policy that forbids scripts and outside resources.
 */
export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
} as const;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Token Agent: ${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.4rem}.error{color:#b00020}code{background:#f2f2f2;padding:.1rem .3rem}
@media (prefers-color-scheme:dark){body{background:#1e1e1e;color:#ddd}code{background:#333}.error{color:#ff8a80}}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}
