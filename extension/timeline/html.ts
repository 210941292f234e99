// The timeline webview's page: no remote content and a strict Content Security Policy. Nothing loads
// by default; the one script and the one style block run only with this page's nonce, and the script
// is our bundled dist/timeline.js from the extension's own folder. Pure, so the policy is unit-tested.

export interface TimelineHtmlOptions {
  /** The webview's `cspSource` (the origin VS Code serves local resources from). */
  cspSource: string;
  /** Fresh for every page: a base64 string from a CSPRNG. */
  nonce: string;
  /** `webview.asWebviewUri(dist/timeline.js)`. */
  scriptUri: string;
}

export function contentSecurityPolicy(options: Pick<TimelineHtmlOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${options.nonce}'`,
    `style-src 'nonce-${options.nonce}'`,
    `img-src ${options.cspSource} data:`,
    `font-src ${options.cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function timelineHtml(options: TimelineHtmlOptions): string {
  const nonce = escapeHtml(options.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(options))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Token Timeline</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body>
<header>
  <div role="tablist" aria-label="Views of the audit log">
    <button role="tab" id="tab-timeline" aria-controls="timeline" aria-selected="true">Timeline</button>
    <button role="tab" id="tab-table" aria-controls="table" aria-selected="false">Audit Log</button>
  </div>
  <span id="summary" aria-live="polite">Reading the audit log…</span>
  <button id="open-raw" class="secondary" title="Open audit.jsonl as it is on disk">Open Raw JSONL</button>
</header>
<section id="timeline" role="tabpanel" aria-labelledby="tab-timeline">
  <div id="legend"></div>
  <div id="axis"></div>
  <div id="tokens"></div>
</section>
<section id="table" role="tabpanel" aria-labelledby="tab-table" hidden></section>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}

// Theme colours only: every colour is one of VS Code's CSS variables, so light, dark and
// high-contrast themes all read well.
const styles = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground);
  background: var(--vscode-editor-background); padding: 0 16px 16px; }
header { display: flex; align-items: center; gap: 12px; position: sticky; top: 0; padding: 8px 0;
  background: var(--vscode-editor-background); z-index: 1; border-bottom: 1px solid var(--vscode-panel-border); }
#summary { flex: 1; color: var(--vscode-descriptionForeground); }
button { font: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background);
  border: 1px solid var(--vscode-button-border, transparent); padding: 3px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
[role=tab] { color: var(--vscode-foreground); background: transparent; border: none; border-bottom: 2px solid transparent; }
[role=tab][aria-selected=true] { border-bottom-color: var(--vscode-focusBorder); }
[role=tab]:hover { background: var(--vscode-toolbar-hoverBackground); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
#legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 10px 0; color: var(--vscode-descriptionForeground); }
#legend svg { vertical-align: middle; margin-right: 4px; }
.token { margin: 10px 0 14px; }
.token-name { font-weight: 600; margin-bottom: 2px; }
.token-name .counts { font-weight: normal; color: var(--vscode-descriptionForeground); margin-left: 8px; }
svg text { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.grid { stroke: var(--vscode-editorRuler-foreground, var(--vscode-panel-border)); stroke-width: 1; opacity: 0.5; }
.grid.midnight { opacity: 1; }
.now { stroke: var(--vscode-editorCursor-foreground); stroke-dasharray: 2 2; }
.bar-lifetime { fill: var(--vscode-charts-green); opacity: 0.55; }
.bar-lifetime.open { opacity: 0.8; }
.bar-backoff { fill: var(--vscode-charts-orange); opacity: 0.6; }
.bar-signed-out { fill: var(--vscode-charts-red); opacity: 0.45; }
.mark-refreshed { fill: var(--vscode-charts-green); }
.mark-signed-in { fill: var(--vscode-charts-blue); }
.mark-failed { fill: var(--vscode-errorForeground); }
.mark-needs-sign-in { fill: var(--vscode-charts-red); }
.mark-may-have-rotated { fill: var(--vscode-charts-red); }
.mark-reused { fill: var(--vscode-charts-yellow); }
.mark-clock-skew { fill: var(--vscode-charts-purple); }
.bar, .mark { cursor: default; }
.bar:hover, .mark:hover, .mark:focus { stroke: var(--vscode-foreground); stroke-width: 1; outline: none; }
#tooltip { position: fixed; max-width: 420px; padding: 4px 8px; pointer-events: none; z-index: 2;
  color: var(--vscode-editorHoverWidget-foreground); background: var(--vscode-editorHoverWidget-background);
  border: 1px solid var(--vscode-editorHoverWidget-border); }
.empty, .note { color: var(--vscode-descriptionForeground); margin: 12px 0; }
table { border-collapse: collapse; width: 100%; margin-top: 10px; }
.scroller { overflow-x: auto; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--vscode-panel-border); white-space: nowrap; }
th { background: var(--vscode-editor-background); }
td.outcome-failed, td.outcome-needs-sign-in, td.outcome-may-have-rotated, td.outcome-reused { color: var(--vscode-errorForeground); }
td.outcome-refreshed, td.outcome-signed-in { color: var(--vscode-charts-green); }
`;
