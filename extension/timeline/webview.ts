// The timeline webview's script (bundled alone as dist/timeline.js, run inside the webview under its
// Content Security Policy): draws what the extension posts — each token's last hours as SVG, and the
// audit log as a table — in the user's local time. Geometry and words come from layout.ts; this file
// only makes elements. It builds everything with createElement and textContent, never innerHTML, so a
// token name from the config file cannot become markup.
import type { AuditRow, TimelineResult } from '../../agent/protocol';
import {
  formatDuration,
  hourTicks,
  layoutToken,
  type Mark,
  type TimeWindow,
  type TokenLayout,
} from './layout';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Timeline = Extract<TimelineResult, { from: number }>;
type Incoming = { type: 'timeline'; data: Timeline } | { type: 'error'; message: string };

const vscode = acquireVsCodeApi();
const svgNs = 'http://www.w3.org/2000/svg';
const markRow = 18;
const laneHeight = 10;
const laneGap = 3;
const axisHeight = 20;

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dated = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const today = (time: number) => new Date(time).toDateString() === new Date().toDateString();
const formatTime = (time: number) => (today(time) ? clock : dated).format(time);
const localOffset = (time: number) => -new Date(time).getTimezoneOffset();

let data: Timeline | undefined;
let tab = (vscode.getState() as { tab?: string } | undefined)?.tab === 'table' ? 'table' : 'timeline';

const byId = (id: string) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** The shape of each event kind, centred on (x, y): colour is not the only thing that tells them apart. */
function markShape(kind: Mark['kind'], x: number, y: number): SVGElement {
  switch (kind) {
    case 'refreshed':
      return svg('circle', { cx: x, cy: y, r: 4 });
    case 'signed-in':
      return svg('path', { d: `M${x} ${y - 5} L${x + 5} ${y} L${x} ${y + 5} L${x - 5} ${y} Z` });
    case 'failed':
      return svg('path', {
        d: `M${x - 4} ${y - 5} L${x} ${y - 1} L${x + 4} ${y - 5} L${x + 5} ${y - 4} L${x + 1} ${y} L${x + 5} ${y + 4} L${x + 4} ${y + 5} L${x} ${y + 1} L${x - 4} ${y + 5} L${x - 5} ${y + 4} L${x - 1} ${y} L${x - 5} ${y - 4} Z`,
      });
    case 'needs-sign-in':
      return svg('path', { d: `M${x} ${y - 5} L${x + 5} ${y + 4} L${x - 5} ${y + 4} Z` });
    case 'may-have-rotated':
      // The needs-sign-in triangle upside down: the same next step, a different cause.
      return svg('path', { d: `M${x} ${y + 5} L${x + 5} ${y - 4} L${x - 5} ${y - 4} Z` });
    case 'reused':
      return svg('rect', { x: x - 4, y: y - 4, width: 8, height: 8 });
    case 'clock-skew':
      return svg('path', { d: `M${x - 5} ${y - 4} L${x + 5} ${y - 4} L${x} ${y + 5} Z` });
  }
}

const legendEntries: [string, string][] = [
  ['refreshed', 'refresh'],
  ['signed-in', 'sign-in'],
  ['failed', 'failed refresh'],
  ['needs-sign-in', 'needs sign-in'],
  ['may-have-rotated', 'may have rotated'],
  ['reused', 'refresh token reuse'],
  ['clock-skew', 'clock skew'],
];

function renderLegend(): void {
  const legend = byId('legend');
  legend.replaceChildren();
  for (const [kind, words] of legendEntries) {
    const item = el('span');
    const icon = svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' });
    const shape = markShape(kind as Mark['kind'], 6, 6);
    shape.setAttribute('class', `mark-${kind}`);
    icon.append(shape);
    item.append(icon, words);
    legend.append(item);
  }
  for (const [kind, words] of [
    ['lifetime', 'token valid'],
    ['backoff', 'backing off'],
    ['signed-out', 'waiting for sign-in'],
  ]) {
    const item = el('span');
    const icon = svg('svg', { width: 16, height: 10, 'aria-hidden': 'true' });
    icon.append(svg('rect', { x: 0, y: 1, width: 16, height: 8, class: `bar-${kind}` }));
    item.append(icon, words as string);
    legend.append(item);
  }
}

function renderAxis(frame: TimeWindow): void {
  const axis = svg('svg', { width: frame.width, height: axisHeight, role: 'presentation' });
  for (const tick of hourTicks(frame, localOffset)) {
    axis.append(svg('line', { x1: tick.x, x2: tick.x, y1: axisHeight - 5, y2: axisHeight, class: 'grid' }));
    const label = svg('text', {
      x: Math.min(Math.max(tick.x, 16), frame.width - 16),
      y: 11,
      'text-anchor': 'middle',
    });
    label.textContent = tick.midnight ? dayLabel.format(tick.time) : tick.label;
    axis.append(label);
  }
  byId('axis').replaceChildren(axis);
}

function renderToken(layout: TokenLayout, frame: TimeWindow): HTMLElement {
  const lanes = layout.lifetimeLanes + layout.troubleLanes;
  const height = markRow + Math.max(1, lanes) * (laneHeight + laneGap) + 2;
  const row = el('div', { class: 'token', 'data-token': layout.name });
  const counts = (kind: Mark['kind']) => layout.marks.filter((m) => m.kind === kind).length;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const summary = [
    plural(counts('refreshed'), 'refresh', 'refreshes'),
    counts('failed') ? `${counts('failed')} failed` : '',
    counts('signed-in') ? plural(counts('signed-in'), 'sign-in', 'sign-ins') : '',
    counts('needs-sign-in') ? plural(counts('needs-sign-in'), 'needed sign-in', 'needed sign-in') : '',
    counts('clock-skew') ? plural(counts('clock-skew'), 'clock-skew warning', 'clock-skew warnings') : '',
  ].filter(Boolean);
  const title = el('div', { class: 'token-name' }, layout.name);
  title.append(el('span', { class: 'counts' }, summary.join(' · ')));
  const chart = svg('svg', {
    width: frame.width,
    height,
    role: 'img',
    'aria-label': `${layout.name}: ${summary.join(', ')}`,
  });
  for (const tick of hourTicks(frame, localOffset))
    chart.append(
      svg('line', {
        x1: tick.x,
        x2: tick.x,
        y1: 0,
        y2: height,
        class: `grid${tick.midnight ? ' midnight' : ''}`,
      }),
    );
  for (const bar of layout.bars) {
    const lane = bar.kind === 'lifetime' ? bar.lane : layout.lifetimeLanes + bar.lane;
    const rect = svg('rect', {
      x: bar.x,
      y: markRow + lane * (laneHeight + laneGap),
      width: bar.width,
      height: laneHeight,
      rx: 2,
      class: `bar bar-${bar.kind}${bar.open ? ' open' : ''}`,
      'data-kind': bar.kind,
      'data-detail': bar.detail,
    });
    chart.append(rect);
  }
  chart.append(svg('line', { x1: frame.width - 1, x2: frame.width - 1, y1: 0, y2: height, class: 'now' }));
  for (const mark of layout.marks) {
    // Skew warnings sit just above the refresh that measured them, so neither hides the other.
    const shape = markShape(
      mark.kind,
      Math.min(Math.max(mark.x, 5), frame.width - 5),
      mark.kind === 'clock-skew' ? 5 : 11,
    );
    for (const [name, value] of Object.entries({
      class: `mark mark-${mark.kind}`,
      'data-kind': mark.kind,
      'data-time': String(mark.time),
      'data-detail': mark.detail,
      tabindex: '0',
      'aria-label': mark.detail,
    }))
      shape.setAttribute(name, value);
    chart.append(shape);
  }
  row.append(title, chart);
  return row;
}

function renderTimeline(): void {
  const tokens = byId('tokens');
  if (!data) return;
  const width = Math.max(320, byId('timeline').clientWidth - 4);
  const frame: TimeWindow = { from: data.from, to: data.to, width };
  renderAxis(frame);
  const rows = data.tokens.map((token) => renderToken(layoutToken(token, frame, formatTime), frame));
  if (rows.length === 0)
    rows.push(
      el('p', { class: 'empty' }, 'Nothing recorded in this frame: no token was refreshed or signed in.'),
    );
  tokens.replaceChildren(...rows);
}

const columns = [
  'Time (local)',
  'Token',
  'Outcome',
  'Error',
  'Valid until',
  'JWT id',
  'Clock skew',
  'Process',
];

function cells(row: AuditRow): [string, string][] {
  const skew =
    row.skewMs === undefined ? '' : `${row.skewMs > 0 ? '+' : '−'}${formatDuration(Math.abs(row.skewMs))}`;
  return [
    ['time', dated.format(row.time)],
    ['token', row.token],
    [`outcome outcome-${row.outcome}`, row.outcome],
    ['error', row.error ?? ''],
    ['exp', row.exp === undefined ? '' : dated.format(row.exp)],
    ['jti', row.jtiPrefix ? `${row.jtiPrefix}…` : ''],
    ['skew', skew],
    ['process', `${row.pid}${row.host ? ` @ ${row.host}` : ''}`],
  ];
}

function renderTable(): void {
  if (!data) return;
  const section = byId('table');
  const table = el('table', { 'aria-label': 'Audit log, newest first' });
  const scroller = el('div', { class: 'scroller' });
  scroller.append(table);
  const head = el('tr');
  for (const column of columns) head.append(el('th', { scope: 'col' }, column));
  table.append(el('thead'));
  table.tHead?.append(head);
  const body = el('tbody');
  for (const row of data.rows) {
    const tr = el('tr', {
      'data-outcome': row.outcome,
      'data-token': row.token,
      'data-time': String(row.time),
    });
    for (const [name, text] of cells(row)) tr.append(el('td', { class: name }, text));
    body.append(tr);
  }
  table.append(body);
  const note = el(
    'p',
    { class: 'note' },
    `The newest ${data.rows.length} lines of ${data.auditLogPath}, newest first; Open Raw JSONL shows the file itself.`,
  );
  section.replaceChildren(
    note,
    ...(data.rows.length ? [scroller] : [el('p', { class: 'empty' }, 'The audit log is empty.')]),
  );
}

function renderSummary(): void {
  if (!data) return;
  const offset = localOffset(data.to);
  const zone = `UTC${offset >= 0 ? '+' : '−'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
  const hours = Math.round((data.to - data.from) / 3_600_000);
  const parts = [`Last ${hours} hours in local time (${zone}), updated ${clock.format(Date.now())}`];
  if (data.skipped > 0) parts.push(`${data.skipped} unreadable line${data.skipped === 1 ? '' : 's'} skipped`);
  if (data.truncated) parts.push('only the end of a very large log was read');
  byId('summary').textContent = parts.join(' · ');
}

function selectTab(next: string): void {
  tab = next;
  vscode.setState({ tab });
  for (const name of ['timeline', 'table']) {
    byId(`tab-${name}`).setAttribute('aria-selected', String(name === tab));
    byId(name).hidden = name !== tab;
  }
  if (tab === 'timeline') renderTimeline();
}

function showTooltip(target: Element, x: number, y: number): void {
  const detail = target.getAttribute('data-detail');
  const tooltip = byId('tooltip');
  if (!detail) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = detail;
  tooltip.hidden = false;
  // Positioned through the CSSOM: the policy allows no style attributes in markup.
  tooltip.style.left = `${Math.min(x + 12, document.documentElement.clientWidth - tooltip.offsetWidth - 8)}px`;
  tooltip.style.top = `${y + 14}px`;
}

document.addEventListener('mouseover', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-detail]') : null;
  if (target) showTooltip(target, event.clientX, event.clientY);
  else byId('tooltip').hidden = true;
});
document.addEventListener('focusin', (event) => {
  if (!(event.target instanceof Element) || !event.target.hasAttribute('data-detail')) return;
  const box = event.target.getBoundingClientRect();
  showTooltip(event.target, box.left, box.bottom - 10);
});
byId('tab-timeline').addEventListener('click', () => selectTab('timeline'));
byId('tab-table').addEventListener('click', () => selectTab('table'));
byId('open-raw').addEventListener('click', () => vscode.postMessage({ type: 'openRaw' }));
addEventListener('resize', () => renderTimeline());
addEventListener('message', (event: MessageEvent<Incoming>) => {
  const message = event.data;
  if (message.type === 'error') {
    byId('summary').textContent = message.message;
    return;
  }
  data = message.data;
  renderSummary();
  renderTimeline();
  renderTable();
});

renderLegend();
selectTab(tab);
vscode.postMessage({ type: 'ready' });
