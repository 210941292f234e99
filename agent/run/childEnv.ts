// The child's environment: the caller's, with each --env variable set to its token and each --file
// variable to its file's path. Pure.
import type { TokenBinding } from '../cli/runArgs';

export function childEnv(
  base: Readonly<Record<string, string | undefined>>,
  env: { binding: TokenBinding; token: string }[],
  files: { binding: TokenBinding; path: string }[],
): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...base };
  for (const { binding, token } of env) result[binding.variable] = token;
  for (const { binding, path } of files) result[binding.variable] = path;
  return result;
}
