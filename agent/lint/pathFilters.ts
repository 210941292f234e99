// Which files to skip or treat specially, by name and by a look at their first bytes.

const lockfileNames = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
  'flake.lock',
  'packages.lock.json',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
]);

const binaryExtensions = new Set(
  (
    'png jpg jpeg gif bmp ico webp avif tiff psd svgz heic ' +
    'zip gz tgz bz2 xz zst 7z rar tar jar war ear whl nupkg vsix apk ipa deb rpm dmg iso ' +
    'pdf doc docx xls xlsx ppt pptx odt ods ' +
    'woff woff2 ttf otf eot ' +
    'mp3 mp4 m4a wav ogg flac webm mov avi mkv ' +
    'exe dll so dylib a o obj lib class pyc pyo wasm node bin dat db sqlite sqlite3 der'
  ).split(' '),
);

function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}

function extension(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Lockfiles hold integrity hashes by the thousand: only provider-format rules run on them. */
export function isLockfile(path: string): boolean {
  return lockfileNames.has(baseName(path));
}

/** Keystores hold private keys (PKCS#12, Java): binary, so reported by name rather than read. */
const keystoreExtensions = new Set(['keystore', 'jks', 'p12', 'pfx', 'bks', 'jceks']);

export function isKeystore(path: string): boolean {
  return keystoreExtensions.has(extension(path));
}

/** Binary formats by extension (content with a NUL byte is caught by `looksBinary`). */
export function hasBinaryExtension(path: string): boolean {
  return binaryExtensions.has(extension(path));
}

/** A NUL byte in the first 8 KB: the heuristic git uses. */
export function looksBinary(bytes: Uint8Array): boolean {
  const limit = Math.min(bytes.length, 8192);
  for (let i = 0; i < limit; i++) if (bytes[i] === 0) return true;
  return false;
}

const minifiedName = /\.min\.(?:js|mjs|cjs|css)$|\.(?:js|css)\.map$|[.-]bundle\.js$/i;
const scriptOrStyle = /\.(?:js|mjs|cjs|css)$/i;

/**
 * A minified bundle: by name, or a script or stylesheet whose first 32 KB hold a line longer than
 * 2,000 characters. Bundles are build output, full of assignments the generic rule would misread:
 * only the provider formats run on them (a key pasted into a bundle still leaks).
 */
export function isMinified(path: string, text: string): boolean {
  if (minifiedName.test(path)) return true;
  if (!scriptOrStyle.test(path)) return false;
  const limit = Math.min(text.length, 32_768);
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > limit ? limit : newline;
    if (lineEnd - lineStart > 2000) return true;
    if (newline === -1 || newline >= limit) return false;
    lineStart = newline + 1;
  }
}
