// On a failing e2e step, keep what a person would need to see why: a screenshot and the logs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface ArtifactSources {
  page?: () => Page | undefined;
  logs?: () => Record<string, string>;
}

export function keepArtifactsOnFailure(suite: string, sources: ArtifactSources) {
  return (name: string, body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (error) {
      const dir = join('test-results', suite, name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
      mkdirSync(dir, { recursive: true });
      await sources
        .page?.()
        ?.screenshot({ path: join(dir, 'screenshot.png') })
        .catch(() => undefined);
      for (const [file, text] of Object.entries(sources.logs?.() ?? {})) writeFileSync(join(dir, file), text);
      console.error(`e2e artifacts saved in ${dir}`);
      throw error;
    }
  };
}
