// URLs that carry a secret: a password in the user-info part, or a webhook whose path is the secret.
import { isAlnum } from './define';
import { isKnownExample, isPlaceholder, looksRandom, shannonEntropy } from './filters';
import { charClass, classes, inClass, type MatchContext, priority, type Rule } from './types';
import { isWordsIdentifier, namesItself } from './valueShapes';

const schemeChars = charClass('A-Za-z0-9+.-');
const userinfo =
  /([^\s:/?#@"'`<>\\]{0,128}):([^\s/?#@"'`<>\\]{1,256})@(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})/y;
const urlRest = /[^\s"'`<>\\)\]]{0,2048}/y;
const slackHook =
  /hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{8,12}\/[AB][A-Z0-9]{8,12}\/([A-Za-z0-9]{20,40})/y;
const discordHook =
  /(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/([A-Za-z0-9_-]{60,68})/y;
const weakPasswords = new Set([
  'password',
  'pass',
  'passwd',
  'pwd',
  'pw',
  'secret',
  'admin',
  'root',
  'test',
  'guest',
  'user',
  'username',
  'mypassword',
  'foo',
  'bar',
  'baz',
  'demo',
  'token',
  // Documentation's demo credentials: Oracle's scott/tiger (SQLAlchemy, Kombu docs), Firebird's
  // SYSDBA/masterkey. Found on real code (docs/real-code-eval.md), after the holdout was measured.
  'tiger',
  'masterkey',
]);
const exampleHost = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost\.localdomain)$/i;

/**
 * A stand-in for the password rather than one: a variable (`$SMTP_PASSWORD`, `$(cat f)`, `%(pw)s`,
 * `%s`), a bracketed name (`{password}`, `[PASS]`), or an upper-case word as in the DSNs of
 * documentation (`allmysms://LOGIN:APIKEY@default`, `redis://:PASSWORD@host`).
 */
export function isPasswordReference(password: string): boolean {
  if (password.startsWith('$') || password === '%s' || password.includes('%(')) return true;
  // `cvs://:pserver:anoncvs@…` is a CVS method, not a password; `:authpassword@`, `:key_1234@` name one.
  if (password.includes(':') || namesItself(password) || isWordsIdentifier(password)) return true;
  if (/^[A-Z_]{3,32}$/.test(password)) return true;
  return /^[{[(<]/.test(password) && /[}\])>]$/.test(password);
}

/** The scheme before `://`, or -1 when what precedes is not one. */
function schemeStart(text: string, colon: number): number {
  const floor = Math.max(0, colon - 32);
  let start = colon;
  while (start > floor && inClass(schemeChars, text.charCodeAt(start - 1))) start--;
  if (colon - start < 2) return -1;
  const first = text.charCodeAt(start);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return -1;
  return start;
}

function urlEnd(text: string, from: number, ctx: MatchContext): number {
  ctx.stats.ruleExecs++;
  urlRest.lastIndex = from;
  const rest = urlRest.exec(text);
  let end = from + (rest?.[0].length ?? 0);
  // Sentence punctuation after a URL is not part of it.
  while (end > from && '.,;:!?'.includes(text[end - 1] ?? '')) end--;
  return end;
}

const urlCredentials: Rule = {
  id: 'url-credentials',
  provider: 'URL',
  title: 'Password in a URL',
  description:
    'A URL with a password in its user-info part (`scheme://user:password@host`), such as a database connection string. Placeholders, `$VAR` references, example hosts and throwaway passwords are not reported.',
  fix: 'Take the password out of the URL: read the whole URL (or just the password) from the environment or a secret store, and change the password.',
  severity: 'warning',
  shape:
    '`scheme://user:password@host…`, where the password is not a placeholder, a `$VAR` reference, the user name again or a throwaway word, and the host is not an example domain.',
  envName: 'DATABASE_URL',
  triggers: ['://'],
  priority: priority.url,
  maxLength: 2700,
  match(ctx, at) {
    const { text } = ctx;
    ctx.stats.ruleExecs++;
    userinfo.lastIndex = at + 3;
    const match = userinfo.exec(text);
    if (!match) return undefined;
    const start = schemeStart(text, at);
    if (start < 0) return undefined;
    if (start > 0 && isAlnum(text.charCodeAt(start - 1))) return undefined;
    const [, user = '', password = '', host = ''] = match;
    const lower = password.toLowerCase();
    if (password.length < 4 || weakPasswords.has(lower) || password === user) return undefined;
    if (isPlaceholder(password) || /^[*x.]+$/i.test(password) || shannonEntropy(password) < 2)
      return undefined;
    if (isPasswordReference(password)) return undefined;
    if (exampleHost.test(host)) return undefined;
    const passwordStart = at + 3 + user.length + 1;
    const end = urlEnd(text, at + 3 + match[0].length, ctx);
    ctx.stats.examined += end - start;
    const scheme = text.slice(start, at);
    return {
      start,
      end,
      why: `a \`${scheme}\` URL whose user-info has a password (${password.length} characters) before \`@${host}\`.`,
      message: `Password in a ${scheme} URL for ${host}`,
      masked: `${scheme}://${user}:***@${host}`,
      // A provider token used as the password (`https://oauth2:glpat-…@host`) is reported on its own.
      resumeAt: passwordStart,
    };
  },
};

export function webhookRule(spec: {
  id: string;
  provider: string;
  title: string;
  description: string;
  fix: string;
  envName: string;
  shape: string;
  pattern: RegExp;
  after: Uint8Array;
  why: string;
}): Rule {
  return {
    id: spec.id,
    provider: spec.provider,
    title: spec.title,
    description: spec.description,
    fix: spec.fix,
    shape: spec.shape,
    severity: 'warning',
    envName: spec.envName,
    triggers: ['://'],
    priority: priority.provider,
    maxLength: 200,
    match(ctx, at) {
      const { text } = ctx;
      const start = schemeStart(text, at);
      if (start < 0 || !text.slice(start, at).toLowerCase().startsWith('http')) return undefined;
      ctx.stats.ruleExecs++;
      spec.pattern.lastIndex = at + 3;
      const match = spec.pattern.exec(text);
      if (!match) return undefined;
      const end = at + 3 + match[0].length;
      if (inClass(spec.after, text.charCodeAt(end))) return undefined;
      const url = text.slice(start, end);
      const secret = match[1] ?? '';
      if (isPlaceholder(url) || isKnownExample(url) || !looksRandom(secret, 3.5).ok) return undefined;
      if (/0{6}/.test(url)) return undefined;
      return { start, end, why: spec.why, masked: `${text.slice(start, end - secret.length)}…` };
    },
  };
}

export const urlRules: Rule[] = [
  webhookRule({
    id: 'slack-webhook',
    provider: 'Slack',
    title: 'Slack incoming webhook URL',
    description:
      'A Slack incoming webhook (`https://hooks.slack.com/services/T…/B…/…`): anyone with it can post to the channel.',
    fix: 'Delete the webhook in the Slack app settings (Incoming Webhooks), create a new one, and read its URL from the environment.',
    envName: 'SLACK_WEBHOOK_URL',
    shape:
      '`https://hooks.slack.com/services/` then a team id (`T…`), a channel id (`B…`) and a 24-character secret.',
    pattern: slackHook,
    after: classes.alnum,
    why: 'a `hooks.slack.com/services` URL with team, channel and secret parts.',
  }),
  webhookRule({
    id: 'discord-webhook',
    provider: 'Discord',
    title: 'Discord webhook URL',
    description:
      'A Discord webhook (`https://discord.com/api/webhooks/ID/TOKEN`): anyone with it can post to the channel.',
    fix: 'Delete the webhook in the channel settings (Integrations), create a new one, and read its URL from the environment.',
    envName: 'DISCORD_WEBHOOK_URL',
    shape: '`https://discord.com/api/webhooks/` then a 17–20 digit id and a 60–68 character token.',
    pattern: discordHook,
    after: classes.b64url,
    why: 'a `discord.com/api/webhooks` URL with a numeric id and a 68-character token.',
  }),
  urlCredentials,
];
