// Where each rule's documentation lives, for the editor's diagnostics, hovers and the SARIF log: the
// repository's docs/rules.md when package.json names a real repository (anchored by rule id, as a
// web page renders the headings), otherwise docs/rules.md as shipped beside the bundle, as a file: URI
// whose `#L<n>` fragment is the line of the rule's heading — the fragment VS Code opens a file at
// (its opener reads `#L12`, not heading slugs). Never a placeholder host: a link that cannot work is
// worse than none, so with neither there is no link.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repository } from '../../package.json';

/** The web page of docs/rules.md, or undefined when package.json names no real repository. */
export function repositoryRulesUrl(repositoryUrl: string | undefined): string | undefined {
  if (repositoryUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(repositoryUrl.replace(/^git\+/, '').replace(/\.git$/, ''));
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || isPlaceholderHost(url.hostname)) return undefined;
  return `${url.href.replace(/\/$/, '')}/blob/HEAD/docs/rules.md`;
}

/** RFC 2606 and RFC 6761 names, which never resolve to a real site. */
export function isPlaceholderHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (/(^|\.)(invalid|example|test|localhost)$/.test(name)) return true;
  return /(^|\.)example\.(com|net|org)$/.test(name);
}

/** Each `### rule-id` heading of the rules document, by id, with its 1-based line. */
export function headingLines(markdown: string): Map<string, number> {
  const lines = new Map<string, number>();
  markdown.split('\n').forEach((line, index) => {
    const heading = /^### ([a-z0-9-]+)\s*$/.exec(line);
    if (heading?.[1]) lines.set(heading[1], index + 1);
  });
  return lines;
}

/** docs/rules.md beside the bundle (dist/../docs) or, run from source, beside agent/ (agent/lint/../../docs). */
export function findShippedRulesDoc(from: string = __dirname): string | undefined {
  for (let dir = from, up = 0; up < 3; up++, dir = dirname(dir)) {
    const candidate = join(dir, 'docs', 'rules.md');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface RulesDocLinks {
  /** The link for one rule, or undefined when there is no document to point at. */
  rule(id: string): string | undefined;
  /** The document itself. */
  document: string | undefined;
}

export function rulesDocLinks(
  repositoryUrl: string | undefined,
  shippedDoc: string | undefined,
): RulesDocLinks {
  const web = repositoryRulesUrl(repositoryUrl);
  if (web !== undefined) return { document: web, rule: (id) => `${web}#${id}` };
  if (shippedDoc === undefined) return { document: undefined, rule: () => undefined };
  const file = pathToFileURL(shippedDoc).href;
  let lines: Map<string, number> | undefined;
  return {
    document: file,
    rule(id) {
      if (lines === undefined) {
        try {
          lines = headingLines(readFileSync(shippedDoc, 'utf8'));
        } catch {
          lines = new Map();
        }
      }
      const line = lines.get(id);
      return line === undefined ? file : `${file}#L${line}`;
    },
  };
}

let shared: RulesDocLinks | undefined;

/**
 * The web links only, for logs read on another machine (SARIF in a dashboard), where a file: URI of
 * this installation would point nowhere.
 */
export function webRulesDocLinks(): RulesDocLinks {
  return rulesDocLinks(repository.url, undefined);
}

/** The links for this installation, worked out once. */
export function installedRulesDocLinks(): RulesDocLinks {
  shared ??= rulesDocLinks(repository.url, findShippedRulesDoc());
  return shared;
}
