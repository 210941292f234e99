// SARIF 2.1.0 for code-scanning dashboards, written as the scan goes: the log's head (the tool and
// its rules) first, then each result, then the invocation with the files not read and the stale
// baseline entries, which only the end knows. `results` therefore comes before `invocations` in
// the run object; SARIF readers take a run's properties in any order.
import * as crypto from 'node:crypto';
import { ruleInfos, type Severity } from '../lint/rules';
import { webRulesDocLinks } from '../lint/rulesDocLink';
import type { BaselineReport } from './scanBaseline';
import type { FileFindings, ReportSummary, ReportWriter, SkippedFile } from './scanOutput';
import { type OutputSink, StreamedArray, streamedItems } from './scanSink';

/** SARIF's result levels: `note` is its name for what is worth seeing but not a problem. */
const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

export const sarifSchema = 'https://json.schemastore.org/sarif-2.1.0.json';

export class SarifReport implements ReportWriter {
  readonly #results: StreamedArray;
  readonly #ruleIndex: Map<string, number>;
  readonly #driver: object;

  /** `againstBaseline`: every result reported is one the baseline does not list (`baselineState`). */
  constructor(
    sink: OutputSink,
    toolVersion: string,
    readonly againstBaseline: boolean,
  ) {
    const docs = webRulesDocLinks();
    const rules = ruleInfos.map((rule) => ({
      id: rule.id,
      name: pascal(rule.id),
      shortDescription: { text: rule.title },
      fullDescription: { text: stripMarkdown(rule.description) },
      // Omitted rather than a placeholder host when package.json names no real repository.
      ...optional('helpUri', docs.rule(rule.id)),
      help: { text: stripMarkdown(rule.fix), markdown: rule.fix },
      defaultConfiguration: { level: sarifLevel[rule.severity] },
      properties: { tags: ['security', 'secret'], provider: rule.provider },
    }));
    this.#ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));
    this.#driver = {
      name: 'token-agent',
      version: toolVersion,
      ...optional('informationUri', docs.document),
      rules,
    };
    this.#results = new StreamedArray(sink, this.#log({ skipped: [] }));
  }

  file({ path, findings, commit }: FileFindings): void {
    const artifactLocation =
      path === '-' ? { uri: 'stdin' } : { uri: encodeURI(path), uriBaseId: '%SRCROOT%' };
    for (const f of findings)
      this.#results.item({
        ruleId: f.rule,
        ruleIndex: this.#ruleIndex.get(f.rule) ?? -1,
        level: sarifLevel[f.severity],
        ...(this.againstBaseline ? { baselineState: 'new' } : {}),
        message: { text: `${f.message} (${f.masked})` },
        locations: [
          {
            physicalLocation: {
              artifactLocation,
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
          'tokenAgentFinding/v1': sha256Hex(
            `${f.rule}\0${path}\0${f.masked}${commit ? `\0${commit.sha}` : ''}`,
          ),
        },
        ...(commit ? { properties: { commit: commit.sha, authorDate: commit.date } } : {}),
      });
  }

  end(summary: ReportSummary): void {
    this.#results.end(this.#log(summary));
  }

  #log({ skipped, baseline }: ReportSummary): object {
    return {
      $schema: sarifSchema,
      version: '2.1.0',
      runs: [
        {
          tool: { driver: this.#driver },
          columnKind: 'utf16CodeUnits',
          originalUriBaseIds: {
            '%SRCROOT%': { description: { text: 'The directory token-agent scan ran in.' } },
          },
          results: streamedItems,
          // Files not read, as notifications: a dashboard shows what the scan could not see.
          invocations: [
            {
              executionSuccessful: true,
              toolExecutionNotifications: [...skipped.map(skipNotification), ...staleNotifications(baseline)],
            },
          ],
        },
      ],
    };
  }
}

// One-shot hashing (Node 20.12 and later) makes no Hash object per result: a million of those, each
// holding native memory until the garbage collector reaches it, were most of a SARIF scan's peak.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function sha256Hex(data: string): string {
  return oneShotHash
    ? oneShotHash('sha256', data, 'hex')
    : crypto.createHash('sha256').update(data).digest('hex');
}

function skipNotification(file: SkippedFile) {
  return {
    level: 'note',
    descriptor: { id: `skipped-${file.reason}` },
    message: { text: `Not scanned (${file.reason}, ${file.bytes} bytes).` },
    locations: [
      { physicalLocation: { artifactLocation: { uri: encodeURI(file.path), uriBaseId: '%SRCROOT%' } } },
    ],
  };
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
