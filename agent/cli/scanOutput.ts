// The three output formats of `token-agent scan`: text for people, JSON for tools, SARIF 2.1.0 for
// code-scanning dashboards. Pure functions of the findings: never the values, only their masks.
import { createHash } from 'node:crypto';
import type { SkipReason } from '../lint/fileWalk';
import { ruleInfo, ruleInfos } from '../lint/rules';
import { webRulesDocLinks } from '../lint/rulesDocLink';
import type { Finding } from '../lint/scanner';
import type { BaselineReport } from './scanBaseline';
import type { CommitInfo } from './scanGit';

/** A file the scan did not read, and why (binary, over the size limit). */
export interface SkippedFile {
  path: string;
  reason: SkipReason;
  bytes: number;
}

/** `3 files not scanned: binary 2, too-large 1`. */
export function skipSummary(skipped: readonly SkippedFile[]): string {
  const counts = new Map<string, number>();
  for (const file of skipped) counts.set(file.reason, (counts.get(file.reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${reason} ${n}`);
  const files = skipped.length === 1 ? 'file' : 'files';
  return `${skipped.length} ${files} not scanned: ${parts.join(', ')}`;
}

export interface FileFindings {
  /** As shown: relative to the working directory with `/` separators, or `-` for stdin. */
  path: string;
  findings: Finding[];
  /** For `--git`: the commit that added the lines, and its author date. */
  commit?: CommitInfo;
}

export function formatText(results: readonly FileFindings[]): string {
  const lines: string[] = [];
  for (const { path, findings, commit } of results) {
    // History findings read like git's `rev:path` notation, with the author date at the end.
    const where = commit ? `${commit.sha.slice(0, 12)}:${path}` : path;
    const when = commit ? `  (${commit.date})` : '';
    for (const f of findings) {
      lines.push(`${where}:${f.line}:${f.column}  ${f.rule}  ${f.masked}  ${f.message}${when}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export interface JsonFinding {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: 'warning' | 'error';
  message: string;
  masked: string;
  commit?: string;
  authorDate?: string;
}

export function formatJson(
  results: readonly FileFindings[],
  skipped: readonly SkippedFile[] = [],
  baseline?: BaselineReport,
): string {
  const findings: JsonFinding[] = results.flatMap(({ path, findings, commit }) =>
    findings.map((f) => ({
      path,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      masked: f.masked,
      ...(commit ? { commit: commit.sha, authorDate: commit.date } : {}),
    })),
  );
  // The baseline's entries carry no values, only salted hashes; stale ones are listed whole.
  const extra = baseline ? { baseline } : {};
  return `${JSON.stringify({ findings, skipped, ...extra }, null, 2)}\n`;
}

export const sarifSchema = 'https://json.schemastore.org/sarif-2.1.0.json';

export function formatSarif(
  results: readonly FileFindings[],
  toolVersion: string,
  skipped: readonly SkippedFile[] = [],
  baseline?: BaselineReport,
): string {
  const docs = webRulesDocLinks();
  const rules = ruleInfos.map((rule) => ({
    id: rule.id,
    name: pascal(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: stripMarkdown(rule.description) },
    // Omitted rather than a placeholder host when package.json names no real repository.
    ...optional('helpUri', docs.rule(rule.id)),
    help: { text: stripMarkdown(rule.fix), markdown: rule.fix },
    defaultConfiguration: { level: rule.severity },
    properties: { tags: ['security', 'secret'], provider: rule.provider },
  }));
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const sarifResults = results.flatMap(({ path, findings, commit }) =>
    findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: index.get(f.rule) ?? -1,
      level: f.severity,
      // Against a baseline, every result reported is one the baseline does not list.
      ...(baseline ? { baselineState: 'new' } : {}),
      message: { text: `${f.message} (${f.masked})` },
      locations: [
        {
          physicalLocation: {
            artifactLocation:
              path === '-' ? { uri: 'stdin' } : { uri: encodeURI(path), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.line,
              startColumn: f.column,
              endLine: f.endLine,
              endColumn: f.endColumn,
            },
          },
        },
      ],
      // Stable across runs and line moves, and no hash of the value (it could confirm a guess).
      partialFingerprints: {
        'tokenAgentFinding/v1': createHash('sha256')
          .update(`${f.rule}\0${path}\0${f.masked}${commit ? `\0${commit.sha}` : ''}`)
          .digest('hex'),
      },
      ...(commit ? { properties: { commit: commit.sha, authorDate: commit.date } } : {}),
    })),
  );
  const log = {
    $schema: sarifSchema,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'token-agent',
            version: toolVersion,
            ...optional('informationUri', docs.document),
            rules,
          },
        },
        // Files not read, as notifications: a dashboard shows what the scan could not see.
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [
              ...skipped.map((file) => ({
                level: 'note',
                descriptor: { id: `skipped-${file.reason}` },
                message: { text: `Not scanned (${file.reason}, ${file.bytes} bytes).` },
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: encodeURI(file.path), uriBaseId: '%SRCROOT%' },
                    },
                  },
                ],
              })),
              ...staleNotifications(baseline),
            ],
          },
        ],
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: {
          '%SRCROOT%': { description: { text: 'The directory token-agent scan ran in.' } },
        },
        results: sarifResults,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** Baseline entries that matched nothing: notes to clean up, not results (dashboards would alert). */
function staleNotifications(baseline: BaselineReport | undefined) {
  return (baseline?.stale ?? []).map((entry) => ({
    level: 'note',
    descriptor: { id: 'baseline-stale' },
    message: {
      text: `Baseline entry for ${entry.rule} no longer matches; refresh ${baseline?.file} with --write-baseline.`,
    },
    locations: [
      { physicalLocation: { artifactLocation: { uri: encodeURI(entry.path), uriBaseId: '%SRCROOT%' } } },
    ],
    properties: { rule: entry.rule, hash: entry.hash },
  }));
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}

function stripMarkdown(text: string): string {
  return text.replace(/`/g, '');
}

/** For messages: the rule's title, or its id. */
export function ruleTitle(id: string): string {
  return ruleInfo(id)?.title ?? id;
}
