// One GET on the user agent's Unix socket with node:http alone: what the small entry point needs, and
// no more (daemon/client.ts pulls in the engine's error types and the protocol module).
import { request } from 'node:http';

export interface Answer {
  status: number;
  text: string;
}

/** The answer, or undefined when none came (no agent, a closed connection, no answer in time). */
export function ask(socketPath: string, path: string, timeoutMs: number): Promise<Answer | undefined> {
  return new Promise((settle) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'localhost' }, agent: false });
    const timer = setTimeout(() => req.destroy(), timeoutMs);
    const done = (answer: Answer | undefined) => {
      clearTimeout(timer);
      settle(answer);
    };
    req.once('error', () => done(undefined));
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('error', () => done(undefined));
      res.once('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.end();
  });
}
