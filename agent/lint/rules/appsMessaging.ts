// Apps group, part one: messaging, email, marketing and productivity tokens with a prefix of their
// own, and the webhook URLs of Slack workflows and Microsoft Teams. Each rule cites its source.
import { tokenRule } from './define';
import { charClass, classes, type MatchContext, type Rule } from './types';
import { webhookRule } from './url';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and load it from the environment or a secret store.`;

const hex32 = /^[0-9a-f]{32}$/;

/**
 * A webhook rule whose finding shows only the scheme: the workflow and tenant ids in these URLs are
 * long enough to identify the hook, so they are not repeated in the message or mask.
 */
function hook(spec: Parameters<typeof webhookRule>[0], maxLength = 200): Rule {
  const rule = webhookRule(spec);
  return {
    ...rule,
    maxLength,
    match(ctx, at, trigger) {
      const found = rule.match(ctx, at, trigger);
      return found && { ...found, masked: 'https://…' };
    },
  };
}

/** A Mailchimp key is found by its `-us<N>` data-centre suffix: the 32 hex digits come before it. */
function mailchimpStart(ctx: MatchContext, at: number): number {
  const start = at - 32;
  return start >= 0 && hex32.test(ctx.text.slice(start, at)) ? start : -1;
}

export const appsMessagingRules: Rule[] = [
  // gitleaks `mailchimp-api-key`: 32 hex digits and `-us` with the data centre's number
  // (mailchimp.com/developer/marketing/docs/fundamentals: "the part after the dash is the dc").
  tokenRule({
    id: 'mailchimp-api-key',
    provider: 'Mailchimp',
    title: 'Mailchimp API key',
    description:
      'A Mailchimp Marketing API key: 32 hex digits, `-us` and the number of the data centre the account lives in.',
    fix: rotate('Mailchimp (Profile, Extras, API keys)'),
    envName: 'MAILCHIMP_API_KEY',
    triggers: ['-us'],
    pattern: /[0-9a-f]{32}-us[0-9]{1,2}/y,
    cls: classes.b64url,
    length: [36, 37],
    randomFrom: 0,
    minEntropy: 3,
    why: '32 hex digits and a `-us<N>` data-centre suffix',
    startBefore: mailchimpStart,
  }),
  // gitleaks `sendinblue-api-token` (`xkeysib-`, 64 hex, `-`, 16 characters); Brevo's SMTP keys
  // (`xsmtpsib-`, tab "SMTP" of the API keys page) share the shape.
  tokenRule({
    id: 'brevo-api-key',
    provider: 'Brevo',
    title: 'Brevo (Sendinblue) API or SMTP key',
    description:
      'A Brevo (formerly Sendinblue) API key (`xkeysib-`) or SMTP key (`xsmtpsib-`): 64 hex digits, `-` and 16 letters or digits.',
    fix: rotate('Brevo (SMTP & API, API keys or SMTP keys)'),
    envName: 'BREVO_API_KEY',
    triggers: ['xkeysib-', 'xsmtpsib-'],
    pattern: /x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}/y,
    cls: classes.b64url,
    length: [89, 90],
    randomFrom: 9,
    minEntropy: 3.5,
    why: 'prefix `xkeysib-` or `xsmtpsib-`, 64 hex digits and a 16-character suffix',
  }),
  // TruffleHog `resend`: `re_`, 8 base58 characters, `_`, 24 base58 characters.
  tokenRule({
    id: 'resend-api-key',
    provider: 'Resend',
    title: 'Resend API key',
    description: 'A Resend API key: `re_`, an 8-character id, `_` and a 24-character secret, in base58.',
    fix: rotate('the Resend dashboard (API Keys)'),
    envName: 'RESEND_API_KEY',
    triggers: ['re_'],
    pattern: /re_[1-9A-HJ-NP-Za-km-z]{8}_[1-9A-HJ-NP-Za-km-z]{24}/y,
    cls: classes.word,
    length: [36, 36],
    randomFrom: 3,
    minEntropy: 4,
    why: 'prefix `re_` and two base58 parts of 8 and 24 characters',
  }),
  // gitleaks `typeform-api-token`: `tfp_` and 59 characters.
  tokenRule({
    id: 'typeform-api-token',
    provider: 'Typeform',
    title: 'Typeform personal access token',
    description: 'A Typeform personal access token: `tfp_` and 59 characters.',
    fix: rotate('Typeform (Account, Personal tokens)'),
    envName: 'TYPEFORM_TOKEN',
    triggers: ['tfp_'],
    pattern: /tfp_[A-Za-z0-9_.=-]{59}/y,
    cls: charClass('A-Za-z0-9_.=-'),
    length: [63, 63],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `tfp_` and 59 base64url characters',
  }),
  // Secret scanners' `hubspot-private-app-token` rule (for example Yelp's and Kingfisher's rule
  // sets): `pat-na1-` or `pat-eu1-` and a UUID-shaped body.
  tokenRule({
    id: 'hubspot-private-app-token',
    provider: 'HubSpot',
    title: 'HubSpot private app token',
    description:
      'A HubSpot private app access token: `pat-na1-` or `pat-eu1-` (the data region) and a UUID-shaped body.',
    fix: rotate('HubSpot (Settings, Integrations, Private apps: rotate token)'),
    envName: 'HUBSPOT_ACCESS_TOKEN',
    triggers: ['pat-na1-', 'pat-eu1-'],
    pattern: /pat-(?:na|eu)1-[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}/y,
    cls: classes.b64url,
    length: [44, 44],
    randomFrom: 8,
    minEntropy: 3.2,
    why: 'prefix `pat-na1-` or `pat-eu1-` and a UUID-shaped body',
  }),
  // TruffleHog `clickuppersonaltoken`: `pk_`, the 8-digit user id, `_` and 32 upper-case characters.
  tokenRule({
    id: 'clickup-personal-token',
    provider: 'ClickUp',
    title: 'ClickUp personal API token',
    description:
      'A ClickUp personal API token: `pk_`, the numeric user id, `_` and 32 upper-case letters or digits.',
    fix: rotate('ClickUp (Settings, Apps, API Token: regenerate)'),
    envName: 'CLICKUP_API_TOKEN',
    triggers: ['pk_'],
    pattern: /pk_[0-9]{8}_[0-9A-Z]{32}/y,
    cls: classes.word,
    length: [44, 44],
    randomFrom: 12,
    minEntropy: 3.8,
    why: 'prefix `pk_`, an 8-digit user id and 32 upper-case letters or digits',
  }),
  // TruffleHog `contentfulpersonalaccesstoken`: `CFPAT-` and 43 characters (49 in all).
  tokenRule({
    id: 'contentful-personal-access-token',
    provider: 'Contentful',
    title: 'Contentful personal access token',
    description: 'A Contentful Content Management API personal access token: `CFPAT-` and 43 characters.',
    fix: rotate('Contentful (Settings, CMA tokens)'),
    envName: 'CONTENTFUL_MANAGEMENT_TOKEN',
    triggers: ['CFPAT-'],
    pattern: /CFPAT-[A-Za-z0-9_-]{43}/y,
    cls: classes.b64url,
    length: [49, 49],
    randomFrom: 6,
    minEntropy: 4,
    why: 'prefix `CFPAT-` and 43 base64url characters',
  }),
  // gitleaks `frameio-api-token`: `fio-u-` and 64 characters.
  tokenRule({
    id: 'frameio-api-token',
    provider: 'Frame.io',
    title: 'Frame.io developer token',
    description: 'A Frame.io developer token: `fio-u-` and 64 characters.',
    fix: rotate('the Frame.io developer site (Tokens)'),
    envName: 'FRAMEIO_TOKEN',
    triggers: ['fio-u-'],
    pattern: /fio-u-[A-Za-z0-9_=-]{64}/y,
    cls: charClass('A-Za-z0-9_=-'),
    length: [70, 70],
    randomFrom: 6,
    minEntropy: 4,
    why: 'prefix `fio-u-` and 64 base64url characters',
  }),
  // gitleaks `dropbox-short-lived-api-token`: `sl.` and 135 characters.
  tokenRule({
    id: 'dropbox-short-lived-token',
    provider: 'Dropbox',
    title: 'Dropbox short-lived access token',
    description:
      "A Dropbox short-lived OAuth access token: `sl.` and 135 characters. It expires within hours, but grants the app's access until then.",
    fix: rotate('the Dropbox App Console (or revoke it with `/2/auth/token/revoke`)'),
    envName: 'DROPBOX_ACCESS_TOKEN',
    triggers: ['sl.'],
    pattern: /sl\.[A-Za-z0-9_=-]{135}/y,
    cls: charClass('A-Za-z0-9_.=-'),
    length: [138, 138],
    randomFrom: 3,
    minEntropy: 4.2,
    why: 'prefix `sl.` and 135 base64url characters',
  }),
  hook({
    id: 'slack-workflow-webhook',
    provider: 'Slack',
    title: 'Slack workflow webhook URL',
    description:
      'A Slack Workflow Builder webhook (`https://hooks.slack.com/workflows/T…/A…/ID/SECRET` or `…/triggers/T…/ID/SECRET`): anyone with it can start the workflow.',
    fix: 'Delete the webhook trigger in Workflow Builder, create a new one, and read its URL from the environment.',
    envName: 'SLACK_WORKFLOW_WEBHOOK_URL',
    // gitleaks `slack-webhook-url` covers `hooks.slack.com/(services|workflows|triggers)/`; the parts
    // follow the URLs Workflow Builder hands out (team `T…`, app `A…`, a numeric id, the secret).
    shape:
      '`https://hooks.slack.com/workflows/` then a team id (`T…`), an app id (`A…`), a numeric id and a secret; or `/triggers/`, a team id, a numeric id and a secret.',
    pattern:
      /hooks\.slack\.com\/(?:workflows\/T[A-Z0-9]{8,12}\/A[A-Z0-9]{8,12}|triggers\/T[A-Z0-9]{8,12})\/[0-9]{9,20}\/([A-Za-z0-9]{20,40})/y,
    after: classes.alnum,
    why: 'a `hooks.slack.com/workflows` (or `/triggers`) URL with team, id and secret parts.',
  }),
  // Teams URLs run past the usual 200 characters: the work bound says so.
  hook(
    {
      id: 'microsoft-teams-webhook',
      provider: 'Microsoft Teams',
      title: 'Microsoft Teams incoming webhook URL',
      description:
        'A Microsoft Teams incoming webhook (`https://….webhook.office.com/webhookb2/…/IncomingWebhook/…`): anyone with it can post to the channel.',
      fix: 'Remove the Incoming Webhook connector from the channel, add a new one, and read its URL from the environment.',
      envName: 'TEAMS_WEBHOOK_URL',
      // gitleaks `microsoft-teams-webhook`: two UUIDs joined by `@`, `/IncomingWebhook/`, 32
      // characters and a UUID.
      shape:
        '`https://<tenant>.webhook.office.com/webhookb2/` then `UUID@UUID/IncomingWebhook/`, 32 letters or digits and a UUID.',
      pattern:
        /[a-z0-9-]{1,63}\.webhook\.office\.com\/webhookb2\/[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}@[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}\/IncomingWebhook\/([a-z0-9]{32}\/[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12})/y,
      after: classes.alnum,
      why: 'a `webhook.office.com/webhookb2` URL with the IncomingWebhook secret and ids.',
    },
    260,
  ),
];
