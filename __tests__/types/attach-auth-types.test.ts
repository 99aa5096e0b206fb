import path from 'node:path';
import ts from 'typescript';

/**
 * Compiles consumer files (held in memory, never on disk, so the repo's own
 * `tsc` never sees the deliberate errors) against the lib sources under each
 * module setting a user may have, and checks the diagnostics line by line:
 * a line marked `// error:` must fail, every other line must pass.
 */

const root = path.resolve(__dirname, '../..');
const virtualDir = path.join(root, '__tests__', 'types');

interface Mode {
  name: string;
  extension: '.ts' | '.cts' | '.mts';
  /** How the consumer names a lib file (`http` → `../../lib/http…`). */
  specifier: (libPath: string) => string;
  options: ts.CompilerOptions;
}

const common: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
};

const modes: Mode[] = [
  {
    name: 'CommonJS (module commonjs, TypeScript 6 default resolution, axios index.d.cts)',
    extension: '.ts',
    specifier: (lib) => `../../lib/${lib}`,
    options: { ...common, module: ts.ModuleKind.CommonJS },
  },
  {
    name: 'CommonJS, legacy node10 resolution (axios "types": index.d.ts)',
    extension: '.ts',
    specifier: (lib) => `../../lib/${lib}`,
    options: { ...common, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, ignoreDeprecations: '6.0' },
  },
  {
    name: 'CommonJS under node16 (.cts consumer)',
    extension: '.cts',
    specifier: (lib) => `../../lib/${lib}`,
    options: { ...common, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  },
  {
    name: 'ESM under nodenext (.mts consumer, axios index.d.ts)',
    extension: '.mts',
    specifier: (lib) => `../../lib/${lib}${lib.endsWith('http') ? '/index' : ''}.js`,
    options: { ...common, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  },
  {
    name: 'bundler (module esnext, moduleResolution bundler)',
    extension: '.ts',
    specifier: (lib) => `../../lib/${lib}`,
    options: { ...common, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  },
];

function consumer(mode: Mode): string {
  return `
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { attachAuth, type AttachAuthOptions } from '${mode.specifier('http')}';
import { AuthManager } from '${mode.specifier('auth/auth-manager')}';
import { GatewayClient } from '${mode.specifier('gateway/gateway-client')}';
import { SessionChannel } from '${mode.specifier('ws/session-channel')}';

const auth = new AuthManager({ grant: 'api_key', apiKey: 'k' });
const api = axios.create({ baseURL: 'https://api.example.com' });
// The user's own axios instance, whichever axios build their setting resolves to.
const client = new GatewayClient({ baseUrl: 'https://gateway.example.com', auth, http: api });
void client.http.get<{ ok: boolean }>('/api/v1/health').then((response) => response.data.ok);
// A message typed with an interface (no index signature) is a valid send().
interface Subscribe { type: 'subscribe'; topic: string }
const subscribe: Subscribe = { type: 'subscribe', topic: 'metrics' };
void new SessionChannel({ url: 'wss://gateway.example.com/stream', auth }).send(subscribe);
const detach: () => void = attachAuth(api, auth, { retryOn401: true });
const typed: AxiosInstance = axios.create({ baseURL: 'https://api.example.com' });
attachAuth(typed, auth, { maxRetries: 2 });
attachAuth(axios, auth, { origins: ['https://api.example.com'], isUnauthorized: (error) => error.response?.status === 401 });
const annotated = (error: AxiosError): boolean => error.response?.status === 419;
const options: AttachAuthOptions = { isUnauthorized: annotated, retryOn401: false };
attachAuth(api, auth, options);
void axios.get('/x', { skipAuth: true, retryOn401: false });
void api.request({ url: '/y', skipAuth: false });
detach();
`;
}

function negative(mode: Mode): string {
  return `
import axios from 'axios';
import { attachAuth } from '${mode.specifier('http')}';
import { AuthManager } from '${mode.specifier('auth/auth-manager')}';
import { SessionChannel } from '${mode.specifier('ws/session-channel')}';

const auth = new AuthManager({ grant: 'api_key', apiKey: 'k' });
const api = axios.create();
attachAuth(api, auth, { retryOn401: 'yes' }); // error: wrong option type
attachAuth(api, auth, { retries: 1 }); // error: unknown option
void axios.get('/x', { skipAuth: 1 }); // error: skipAuth is a boolean
void axios.get('/x', { retryOn401s: false }); // error: misspelt per-request option
attachAuth({ interceptors: {} }, auth); // error: not an axios instance
attachAuth(api, { getAccessToken: async () => 't' }); // error: not an AuthManager
void new SessionChannel({ url: 'wss://g.example.com/s', auth }).send(undefined); // error: no JSON form
`;
}

interface LineDiagnostic {
  line: number;
  message: string;
}

function compile(mode: Mode): Map<string, LineDiagnostic[]> {
  const files = new Map([
    [path.join(virtualDir, `__consumer__${mode.extension}`), consumer(mode)],
    [path.join(virtualDir, `__negative__${mode.extension}`), negative(mode)],
  ]);
  const host = ts.createCompilerHost(mode.options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => files.has(path.resolve(file)) || fileExists.call(host, file);
  host.readFile = (file) => files.get(path.resolve(file)) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(path.resolve(file));
    return text === undefined ? getSourceFile.call(host, file, language, ...rest) : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options: mode.options, host });
  const byFile = new Map<string, LineDiagnostic[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    // TS1479: under node16 a CommonJS file may not import the ES-module-only jose. Users compile against
    // dist's declarations, which never name jose (package.test.ts checks); the runtime require(esm) is Node ≥ 20.19's.
    if (diagnostic.code === 1479 && diagnostic.file?.fileName.startsWith(path.join(root, 'lib'))) continue;
    const file = diagnostic.file ? path.relative(root, diagnostic.file.fileName) : '(options)';
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
    const list = byFile.get(file) ?? [];
    list.push({ line, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') });
    byFile.set(file, list);
  }
  return byFile;
}

function markedLines(source: string): number[] {
  return source.split('\n').flatMap((text, index) => (text.includes('// error:') ? [index + 1] : []));
}

describe('attachAuth types accept any axios instance without casts', () => {
  it.each(modes.map((mode) => [mode.name, mode] as const))('%s', (_name, mode) => {
    const diagnostics = compile(mode);
    const negativeFile = path.join('__tests__', 'types', `__negative__${mode.extension}`);
    const failures = diagnostics.get(negativeFile) ?? [];
    diagnostics.delete(negativeFile);

    // The consumer and every lib file it pulls in compile cleanly.
    expect(Object.fromEntries(diagnostics)).toEqual({});
    // Each deliberate mistake is caught, on its own line, and nothing else fails.
    expect([...new Set(failures.map((failure) => failure.line))].sort((a, b) => a - b)).toEqual(markedLines(negative(mode)));
  }, 60_000);
});
