// (g) Size: each library's browser bundle as an app's bundler makes it
// (esbuild, minified, platform browser, axios left out), gzipped.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const { browserBuildOptions } = require('../../scripts/browser-build.cjs');

const peers = [
  { id: 'axios-auth-refresh', label: 'axios-auth-refresh 5.0.2', source: "export * from 'axios-auth-refresh';" },
  { id: 'axios-jwt', label: 'axios-jwt 4.0.3', source: "export * from 'axios-jwt';" },
];

async function measure(options) {
  const result = await build({ bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, logLevel: 'silent', external: ['axios'], ...options });
  const code = result.outputFiles[0].contents;
  return { minBytes: code.length, gzipBytes: gzipSync(code).length };
}

export async function size() {
  const rows = [{ contender: 'axios-ws-auth', label: 'axios-ws-auth (browser entry: everything)', ...(await measure(browserBuildOptions(root, { minify: true, write: false }))) }];
  for (const peer of peers) {
    try {
      rows.push({ contender: peer.id, label: peer.label, ...(await measure({ stdin: { contents: peer.source, resolveDir: root, loader: 'js' } })) });
    } catch (error) {
      rows.push({ contender: peer.id, label: peer.label, error: String(error.message ?? error) });
    }
  }
  return { settings: { minify: 'esbuild', external: ['axios'] }, rows: rows.map((row) => ({ ...row, minKb: row.minBytes && Math.round(row.minBytes / 102.4) / 10, gzipKb: row.gzipBytes && Math.round(row.gzipBytes / 102.4) / 10 })) };
}

