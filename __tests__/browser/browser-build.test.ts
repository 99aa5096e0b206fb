import { builtinModules } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '../..');

/** The browser entry bundled as a consumer's bundler would (esbuild, platform browser, axios left to the app). */
async function bundleBrowserEntry() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { browserBuildOptions } = require(path.join(root, 'scripts/browser-build.cjs')) as { browserBuildOptions: (root: string, overrides: object) => Parameters<typeof build>[0] };
  return build({ ...browserBuildOptions(root, { write: false, minify: true, metafile: true }) } as Parameters<typeof build>[0] & { write: false; metafile: true });
}

describe('the browser entry (exports["."].browser)', () => {
  it('bundles for the browser with no Node built-in and no ws package, and reports its size', async () => {
    const result = await bundleBrowserEntry();
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    expect(inputs.filter((input) => builtins.has(input) || input.startsWith('node:'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('node_modules/ws/') || input.includes('file-token-store') || input.includes('redis') || (input.includes('/config/') && !input.endsWith('gateway-section.ts')) || input.includes('/testing/'))).toEqual([]);
    const code = Buffer.from(result.outputFiles[0]!.contents);
    expect(code.toString('utf8')).not.toMatch(/\brequire\(/);
    const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
    console.log(`[browser] entry: ${kb(code.length)} kB min, ${kb(gzipSync(code).length)} kB min+gzip (without axios)`);
  });

  it("a consumer's bundler resolves `axios-ws-auth` to the browser build (exports browser condition)", async () => {
    const result = await build({
      stdin: { contents: "export { AuthManager, attachAuth, SessionChannel, BrowserTokenStore, GatewayClient } from 'axios-ws-auth';", resolveDir: root, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      external: ['axios'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs)).toContain('dist/browser/index.mjs');
  });
});
