// The browser build: lib/browser.ts bundled by esbuild into dist/browser/index.mjs,
// with the browser's own pieces where Node's would be (the native WebSocket for `ws`,
// fetch for the token endpoint's Node agents). axios stays the user's (a peer).
const path = require('node:path');

const browserEntry = (root) => path.join(root, 'lib/browser.ts');

/** esbuild options for the browser bundle (also used by the test that checks it for Node built-ins). */
function browserBuildOptions(root, overrides = {}) {
  return {
    entryPoints: [browserEntry(root)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['axios'],
    logLevel: 'error',
    plugins: [browserSwaps(root)],
    ...overrides,
  };
}

/** Puts the browser's modules where the Node build's are. */
function browserSwaps(root) {
  return {
    name: 'axios-ws-auth-browser-swaps',
    setup(build) {
      build.onResolve({ filter: /^ws$/ }, () => ({ path: path.join(root, 'lib/ws/browser-websocket.ts') }));
      build.onResolve({ filter: /token-transport\.node$/ }, () => ({ path: path.join(root, 'lib/auth/token-transport.browser.ts') }));
    },
  };
}

module.exports = { browserEntry, browserBuildOptions, browserSwaps };
