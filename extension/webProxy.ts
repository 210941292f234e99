// Whether a web editor (code-server) would open an address through its own proxy. Pure (no `vscode`):
// unit-tested. A sign-in page opened at /proxy/PORT/ fails (its cookies and links point outside the
// proxy), so such an address is never opened; the user gets it to open in a local browser (#14 item 3).

/**
 * True when `external` (what asExternalUri answered for `address`) is the editor's own
 * /proxy/PORT/ or /absproxy/PORT/ path for the address's port. A forwarded port (Remote-SSH, WSL,
 * containers) changes the address too, and works, so only the proxy path counts.
 */
export function isWebProxyAddress(address: string, external: string): boolean {
  if (external === address) return false;
  const url = new URL(address);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return new RegExp(`/(?:abs)?proxy/${port}(?:/|$)`).test(new URL(external).pathname);
}
