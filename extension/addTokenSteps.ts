// The steps of Add Token and what each accepts. Pure (no `vscode`): unit tests walk every path, and
// tokenInput.ts only draws the steps. The agent judges the whole definition; the input boxes repeat the
// few rules worth saying while the user types, the endpoint rule being the agent's own function.
import { isSecureEndpoint, type SecretKind, type TokenType } from '../agent/protocol';
import { tokenNamePattern } from './tokenDefinitions';

export type StepId =
  | 'type'
  | 'name'
  | 'url'
  | 'clientId'
  | 'scope'
  | 'clientSecret'
  | 'finish'
  | 'refreshToken'
  | 'command'
  | 'staticToken';

/** How a refresh-token type gets its first refresh token: a sign-in now, or one the user has. */
export type Finish = 'browser' | 'device' | 'paste';

/** Everything typed so far; a step's value stays here when the user goes Back or the agent refuses. */
export interface Answers {
  type?: TokenType;
  name?: string;
  url?: string;
  clientId?: string;
  /** '' when the user left it empty. */
  scope?: string;
  /** '' for a public client (refresh-token types only). */
  clientSecret?: string;
  finish?: Finish;
  refreshToken?: string;
  command?: string;
  staticToken?: string;
}

/** The steps for the answers so far, in order. Until a type is picked, the longest path is assumed. */
export function stepsFor(answers: Answers, options: { askType: boolean }): StepId[] {
  const first: StepId[] = options.askType ? ['type', 'name'] : ['name'];
  switch (answers.type ?? 'oauth2-refresh-token') {
    case 'oauth2-refresh-token':
      return [
        ...first,
        'url',
        'clientId',
        'scope',
        'clientSecret',
        'finish',
        ...(answers.finish === 'paste' ? (['refreshToken'] as const) : []),
      ];
    case 'oauth2-client-credentials':
      return [...first, 'url', 'clientId', 'scope', 'clientSecret'];
    case 'command':
      return [...first, 'command'];
    case 'static':
      return [...first, 'staticToken'];
  }
}

/** Whether the step has an answer (an empty optional one counts). */
export function answered(step: StepId, answers: Answers): boolean {
  return answers[step] !== undefined;
}

export function validateName(value: string, taken: ReadonlySet<string>): string | undefined {
  const name = value.trim();
  if (!tokenNamePattern.test(name)) return "Use 1 to 64 letters, digits, '.', '_' or '-'.";
  if (taken.has(name))
    return `A token named '${name}' exists already: pick another name, or remove it first.`;
  return undefined;
}

/**
 * The issuer or token endpoint: a full URL, https unless the host is this machine. The agent refuses
 * http anywhere else (a refresh token or client secret would cross the network in clear text).
 */
export function validateEndpoint(value: string): string | undefined {
  const text = value.trim();
  if (!URL.canParse(text)) return 'Enter a full URL, such as https://login.example.com';
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https:// URL.';
  if (url.username !== '' || url.password !== '')
    return 'Leave the user name and password out of the URL: secrets go in the secret store.';
  if (!isSecureEndpoint(url))
    return `Use https://: plain http:// is allowed only for this machine (localhost, 127.x.x.x, [::1]), not for ${url.hostname}.`;
  return undefined;
}

export function validateRequired(what: string): (value: string) => string | undefined {
  return (value) => (value.trim() === '' ? `${what} is needed.` : undefined);
}

/** The command line as the agent runs it: split on whitespace, without a shell. */
export function splitCommand(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

/** The definition to send to the agent (never a secret), named apart as defineToken wants it. */
export function definitionOf(answers: Answers): { name: string; definition: Record<string, unknown> } {
  const { type, name = '' } = answers;
  const definition: Record<string, unknown> = { type };
  if (type === 'command') definition.command = splitCommand(answers.command ?? '');
  if (type === 'oauth2-refresh-token' || type === 'oauth2-client-credentials') {
    const url = (answers.url ?? '').trim();
    // A URL that names the token endpoint skips discovery; anything else is the issuer.
    const endpoint = URL.canParse(url) && /\/token\/?$/.test(new URL(url).pathname);
    definition[endpoint ? 'tokenEndpoint' : 'issuer'] = url;
    definition.clientId = (answers.clientId ?? '').trim();
    const scope = answers.scope?.trim();
    if (scope) definition.scope = scope;
  }
  return { name: name.trim(), definition };
}

/** The secrets to store once the agent took the definition, in the order they are stored. */
export function secretsOf(answers: Answers): { kind: SecretKind; value: string }[] {
  const secrets: { kind: SecretKind; value: string }[] = [];
  if (answers.type === 'static' && answers.staticToken)
    secrets.push({ kind: 'static_token', value: answers.staticToken.trim() });
  if (answers.type === 'oauth2-refresh-token' && answers.finish === 'paste' && answers.refreshToken)
    secrets.push({ kind: 'refresh_token', value: answers.refreshToken.trim() });
  if (
    (answers.type === 'oauth2-refresh-token' || answers.type === 'oauth2-client-credentials') &&
    answers.clientSecret
  )
    secrets.push({ kind: 'client_secret', value: answers.clientSecret });
  return secrets;
}

const stepOfField: Record<string, StepId> = {
  name: 'name',
  type: 'type',
  issuer: 'url',
  tokenEndpoint: 'url',
  clientId: 'clientId',
  scope: 'scope',
  command: 'command',
};

/**
 * Where to show the agent's refusal: the step of the first problem whose field is one of the steps, or
 * else the name step (the definition as a whole). Every problem for that step is shown there.
 */
export function stepForProblems(
  problems: readonly { field?: string; message: string }[],
  steps: readonly StepId[],
): { step: StepId; message: string } {
  const stepOf = (field: string | undefined) => {
    const step = field === undefined ? undefined : stepOfField[field];
    return step !== undefined && steps.includes(step) ? step : undefined;
  };
  const step =
    problems.map((p) => stepOf(p.field)).find((s) => s !== undefined) ??
    (steps.includes('name') ? 'name' : (steps[0] ?? 'name'));
  const here = problems.filter((p) => (stepOf(p.field) ?? 'fallback') === step);
  const shown = here.length > 0 ? here : problems;
  return { step, message: `The agent refused this: ${shown.map((p) => p.message).join('; ')}.` };
}
