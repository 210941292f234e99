// Add Token and Paste Token: a multi-step input (title, step counter, Back) whose answers go to the
// agent as one definition. The agent's verdict comes at once: a refusal re-opens the step it concerns,
// with the value and the reason, and every other answer (secrets too) kept. Secrets go through password
// boxes straight to the agent, which puts them in the secret store, and only once the definition stands,
// so a refused definition leaves nothing behind. For refresh-token types the last step is a sign-in.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import {
  type Answers,
  answered,
  definitionOf,
  type Finish,
  type StepId,
  stepForProblems,
  stepsFor,
  validateEndpoint,
  validateName,
  validateRequired,
} from './addTokenSteps';
import { request } from './agentRequests';
import type { Ctx } from './ctx';
import { back, MultiStepInput, type StepResult } from './multiStepInput';
import { finishNewToken } from './newToken';
import { signInFlows } from './signIn';

const tokenTypes: readonly (vscode.QuickPickItem & { type: protocol.TokenType })[] = [
  {
    label: 'OAuth 2 refresh token',
    description: 'oauth2-refresh-token',
    detail: 'Sign in to your identity provider; the agent keeps the access token fresh.',
    type: 'oauth2-refresh-token',
  },
  {
    label: 'OAuth 2 client credentials',
    description: 'oauth2-client-credentials',
    detail: 'A service client with an id and a secret.',
    type: 'oauth2-client-credentials',
  },
  {
    label: 'Command',
    description: 'command',
    detail: 'A program that prints a token, such as `gcloud auth print-access-token`.',
    type: 'command',
  },
  {
    label: 'Pasted token',
    description: 'static',
    detail: 'A token to watch: countdown and warnings, no refresh.',
    type: 'static',
  },
];

type TextStep = Exclude<StepId, 'type' | 'finish'>;

/** The input boxes, by step. `name` is filled in from the answers. */
function textStep(id: TextStep, answers: Answers, taken: ReadonlySet<string>) {
  const name = answers.name?.trim() ?? '';
  const secret = { password: true, placeholder: 'Goes straight to the OS secret store' };
  const steps: Record<
    TextStep,
    { prompt: string; placeholder?: string; password?: boolean; validate(value: string): string | undefined }
  > = {
    name: {
      prompt: 'A short name for the token',
      placeholder: 'for example: api',
      validate: (value) => validateName(value, taken),
    },
    url: {
      prompt: 'The issuer URL (discovery), or the token endpoint URL',
      placeholder: 'https://login.example.com',
      validate: validateEndpoint,
    },
    clientId: { prompt: 'The client id', validate: validateRequired('A client id') },
    scope: {
      prompt: 'Scopes to request (space-separated, optional)',
      placeholder: 'Leave empty for the provider’s default',
      validate: () => undefined,
    },
    clientSecret:
      answers.type === 'oauth2-refresh-token'
        ? {
            prompt: `The client secret of '${name}' (optional)`,
            password: true,
            placeholder: 'Leave empty for a public client (most sign-ins)',
            validate: () => undefined,
          }
        : {
            prompt: `The client secret of '${name}'`,
            ...secret,
            validate: validateRequired('A client secret'),
          },
    refreshToken: {
      prompt: `The refresh token of '${name}'`,
      ...secret,
      validate: validateRequired('A refresh token'),
    },
    command: {
      prompt: 'The command that prints the token (run without a shell)',
      placeholder: 'gcloud auth print-access-token',
      validate: validateRequired('A command'),
    },
    staticToken: {
      prompt: `The token to watch as '${name}'`,
      ...secret,
      validate: validateRequired('A token'),
    },
  };
  return steps[id];
}

function finishItems(name: string): (vscode.QuickPickItem & { finish: Finish })[] {
  return [
    ...signInFlows().map((flow) => ({
      label: flow.label.replace('Sign in with', 'Sign in now with'),
      detail: flow.detail,
      finish: flow.flow,
    })),
    {
      label: '$(key) Paste a refresh token I already have',
      detail: `For a refresh token obtained elsewhere for '${name}'.`,
      finish: 'paste' as const,
    },
  ];
}

interface StepContext {
  step: number;
  totalSteps: number;
  problem: string | undefined;
  taken: ReadonlySet<string>;
}

/** Shows one step and records its answer; true when answered. */
async function askStep(
  input: MultiStepInput,
  id: StepId,
  answers: Answers,
  context: StepContext,
): Promise<StepResult<true>> {
  const { step, totalSteps } = context;
  if (id === 'type') {
    const picked = await input.pick({
      step,
      totalSteps,
      placeholder: 'What kind of token?',
      items: tokenTypes,
      active: tokenTypes.find((t) => t.type === answers.type),
    });
    if (picked === undefined || picked === back) return picked;
    answers.type = picked.type;
    return true;
  }
  if (id === 'finish') {
    const name = answers.name?.trim() ?? '';
    const items = finishItems(name);
    const picked = await input.pick({
      step,
      totalSteps,
      placeholder: `How should '${name}' get its first refresh token?`,
      items,
      active: items.find((item) => item.finish === answers.finish),
    });
    if (picked === undefined || picked === back) return picked;
    answers.finish = picked.finish;
    return true;
  }
  const spec = textStep(id, answers, context.taken);
  const value = await input.input({
    step,
    totalSteps,
    ...spec,
    value: answers[id],
    problem: context.problem,
  });
  if (value === undefined || value === back) return value;
  answers[id] = value;
  return true;
}

/** Names the agent knows, the broken definitions among them, so that a new one does not collide. */
async function takenNames(ctx: Ctx): Promise<Set<string>> {
  const names = new Set(ctx.status?.tokens.map((t) => t.name));
  try {
    const list = await request<undefined, protocol.DefinitionList>(
      ctx.client,
      protocol.listDefinitions,
      undefined,
    );
    for (const token of list.tokens) names.add(token.name);
  } catch (error) {
    // The agent judges names again on defineToken: this only spares the user a round trip.
    ctx.log.debug(`listDefinitions: ${(error as Error).message}`);
  }
  return names;
}

export function addTokenFlow(ctx: Ctx): Promise<void> {
  return tokenFlow(ctx, 'Add Token', {});
}

export function pasteTokenFlow(ctx: Ctx): Promise<void> {
  return tokenFlow(ctx, 'Paste Token', { type: 'static' });
}

async function tokenFlow(ctx: Ctx, title: string, preset: Answers): Promise<void> {
  const askType = preset.type === undefined;
  const answers: Answers = { ...preset };
  const taken = await takenNames(ctx);
  const input = new MultiStepInput(title);
  let problem: { step: StepId; message: string } | undefined;
  let accepted: Extract<protocol.DefineTokenResult, { ok: true }> | undefined;
  let index = 0;
  try {
    while (accepted === undefined) {
      const steps = stepsFor(answers, { askType });
      const id = steps[index];
      if (id === undefined) {
        input.wait();
        const verdict = await define(ctx, answers);
        if (verdict.ok) accepted = verdict;
        else {
          problem = stepForProblems(verdict.problems, steps);
          ctx.log.info(`the agent refused the definition: ${problem.message}`);
          index = Math.max(0, steps.indexOf(problem.step));
        }
        continue;
      }
      const shown = problem?.step === id ? problem.message : undefined;
      const result = await askStep(input, id, answers, {
        step: index + 1,
        totalSteps: steps.length,
        problem: shown,
        taken,
      });
      // Closed: nothing was sent to the agent since its last refusal, so nothing stays behind.
      if (result === undefined) return;
      if (result === back) {
        index = Math.max(0, index - 1);
        continue;
      }
      if (shown !== undefined) {
        // Fixed where the agent pointed: the other answers stand, so on to the first step without one.
        problem = undefined;
        const next = stepsFor(answers, { askType });
        const open = next.findIndex((step) => !answered(step, answers));
        index = open === -1 ? next.length : open;
      } else index++;
    }
  } finally {
    input.dispose();
  }
  await finishNewToken(ctx, answers, accepted);
}

function define(ctx: Ctx, answers: Answers): Promise<protocol.DefineTokenResult> {
  const { name, definition } = definitionOf(answers);
  return request<protocol.DefineTokenParams, protocol.DefineTokenResult>(ctx.client, protocol.defineToken, {
    name,
    definition,
  });
}

export async function readSecret(prompt: string, optional = false): Promise<string | undefined> {
  return vscode.window.showInputBox({
    prompt,
    password: true,
    ignoreFocusOut: true,
    placeHolder: optional ? 'Leave empty if there is none' : 'Goes straight to the OS secret store',
    validateInput: (value) => (optional || value.trim() !== '' ? undefined : 'A value is needed.'),
  });
}

export async function pickSecretKind(
  type: protocol.TokenType | undefined,
): Promise<protocol.SecretKind | undefined> {
  const kinds: protocol.SecretKind[] =
    type === 'static'
      ? ['static_token']
      : type === 'oauth2-client-credentials'
        ? ['client_secret']
        : ['refresh_token', 'client_secret'];
  if (kinds.length === 1) return kinds[0];
  const picked = await vscode.window.showQuickPick(kinds, { placeHolder: 'Which secret?' });
  return picked as protocol.SecretKind | undefined;
}
