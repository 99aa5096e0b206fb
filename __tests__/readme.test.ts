import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Every ```ts block of the README must compile against the library's source, as a user would write it.
const root = path.resolve(__dirname, '..');
const blocks = [...readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe('README examples', () => {
  const dir = path.join(root, '.tmp', 'readme-examples');
  beforeAll(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has examples, and its jest fixture example is a test of this suite, verbatim', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const fixture = readFileSync(path.join(__dirname, 'readme-fixture.test.ts'), 'utf8').split('\n').slice(1).join('\n');
    expect(blocks).toContain(fixture);
  });

  it('every ts example compiles under strict settings', () => {
    const files = blocks.map((code, index) => {
      const file = path.join(dir, `example-${index}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node', 'jest'],
      paths: {
        'axios-ws-auth': [path.join(root, 'lib/index.ts')],
        'axios-ws-auth/testing': [path.join(root, 'lib/testing/index.ts')],
      },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
