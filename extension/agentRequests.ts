// Sends the custom requests to the agent and turns its coded errors into messages for people.
// The extension branches on `data.code`, never on message text.
import type * as vscode from 'vscode';
import { type LanguageClient, ResponseError } from 'vscode-languageclient/node';
import type * as protocol from '../agent/protocol';
import { ErrorCode } from '../agent/protocol';

export class AgentRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function request<P, R>(
  client: LanguageClient | undefined,
  type: { method: string; _?: unknown } & object,
  params: P,
  token?: vscode.CancellationToken,
): Promise<R> {
  if (!client) throw new AgentRequestError(ErrorCode.agentDown, 'The token agent is not running.');
  try {
    return (await client.sendRequest(type.method, params, token)) as R;
  } catch (error) {
    if (error instanceof ResponseError) {
      const data = error.data as protocol.ErrorData | undefined;
      throw new AgentRequestError(data?.code ?? ErrorCode.internal, error.message);
    }
    throw error;
  }
}
