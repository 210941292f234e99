// A named import lets esbuild inline just this one field of package.json into the bundles.
import { version } from '../package.json';

export const agentVersion: string = version;
