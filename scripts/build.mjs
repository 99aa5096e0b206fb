// Builds dist/cjs with tsc, then thin ESM wrappers over it (dist/esm/*.mjs +
// .d.mts). Wrapping instead of compiling twice keeps one copy of every class,
// so `instanceof AuthError` holds whichever way a user loads the package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const entries = ['index', 'testing/index', 'redis'];

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

for (const entry of entries) {
  const cjsFile = path.join(root, 'dist/cjs', `${entry}.js`);
  if (!existsSync(cjsFile)) continue;
  const names = Object.keys(require(cjsFile)).filter((name) => name !== '__esModule' && name !== 'default');
  const esmFile = path.join(root, 'dist/esm', `${entry}.mjs`);
  const relative = path.relative(path.dirname(esmFile), cjsFile).split(path.sep).join('/');
  mkdirSync(path.dirname(esmFile), { recursive: true });
  writeFileSync(esmFile, `import cjs from './${relative}';\n\nexport const { ${names.join(', ')} } = cjs;\n`);
  writeFileSync(esmFile.replace(/\.mjs$/, '.d.mts'), `export * from './${relative}';\n`);
}
// The browser entry: one ES module, no Node built-in (checked by __tests__/browser/browser-build.test.ts).
const { build } = require('esbuild');
const { browserBuildOptions } = require('./browser-build.cjs');
await build(browserBuildOptions(root, { outfile: path.join(root, 'dist/browser/index.mjs') }));
writeFileSync(path.join(root, 'dist/browser/index.d.mts'), `export * from '../cjs/browser.js';\n`);
console.log(`built dist/cjs, dist/esm (${entries.length} entries) and dist/browser`);
