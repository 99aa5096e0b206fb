import { LineCounter, isAlias, isMap, isScalar, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError } from '../errors';

/** A mapping in the file, with what is needed to report on its keys. */
export interface Section {
  /** Dotted key path, e.g. `gateway.jwt`. */
  key: string;
  map: YAMLMap | undefined;
  line: number | undefined;
}

/** Largest config file read: a gateway config is a few lines; anything this big is a mistake (or an attack). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * A parsed YAML file that answers "what is at this key, and on which line".
 * Syntax errors become `ConfigError`s carrying the line; their messages are
 * the parser's short descriptions only, never the offending source text
 * (which may hold a password). Parsing is linear in the file's size: the
 * parser's own duplicate-key check compares every key with all before it, so
 * the mappings this library reads are checked here, with a set.
 */
export class YamlSource {
  private readonly lines = new LineCounter();
  private readonly document: Document.Parsed;

  constructor(
    text: string,
    readonly source: string,
  ) {
    if (text.length > MAX_CONFIG_BYTES) throw new ConfigError(`${source}: the file is larger than ${MAX_CONFIG_BYTES} bytes; a gateway config is a few lines`, { code: 'CONFIG_INVALID' });
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
    const [error] = this.document.errors;
    if (error) {
      const line = this.lines.linePos(error.pos[0]).line;
      throw new ConfigError(`${this.where(line)}YAML syntax error: ${shortMessage(error.message)}`, { line, cause: new Error(error.code) });
    }
  }

  /** Prefix `file:line: ` for messages. */
  where(line: number | undefined): string {
    return line === undefined ? `${this.source}: ` : `${this.source}:${line}: `;
  }

  /** The top-level mapping (an empty file has none). */
  root(): Section {
    const contents = this.resolve(this.document.contents ?? undefined);
    if (contents !== undefined && !isMap(contents)) {
      throw new ConfigError(`${this.where(this.lineOf(contents))}the file must be a YAML mapping with a "gateway:" key`, { key: 'gateway', line: this.lineOf(contents) });
    }
    return this.checked({ key: '', map: contents, line: undefined });
  }

  /** The mapping under `name`; `undefined` map when the key is absent. */
  section(parent: Section, name: string): Section {
    const key = parent.key ? `${parent.key}.${name}` : name;
    const node = this.child(parent, name);
    if (node === undefined || (isScalar(node) && node.value === null)) return { key, map: undefined, line: this.keyLine(parent, name) ?? parent.line };
    if (!isMap(node)) throw new ConfigError(`${this.where(this.lineOf(node))}${key} must be a mapping`, { key, line: this.lineOf(node) });
    // A key missing inside this section is reported on the line that names the section.
    return this.checked({ key, map: node, line: this.keyLine(parent, name) });
  }

  /** The scalar value under `name` (`undefined` when absent or null) and its line. */
  scalar(parent: Section, name: string): { key: string; value: unknown; line: number | undefined } {
    const key = parent.key ? `${parent.key}.${name}` : name;
    const node = this.child(parent, name);
    if (node === undefined) return { key, value: undefined, line: parent.line };
    const line = this.lineOf(node);
    if (!isScalar(node)) throw new ConfigError(`${this.where(line)}${key} must be a single value, not a list or mapping`, { key, line });
    return { key, value: node.value ?? undefined, line };
  }

  /** Keys of a section that are not in `known`, with their lines. */
  unknownKeys(section: Section, known: readonly string[]): Array<{ key: string; line: number | undefined }> {
    const items: Pair[] = section.map?.items ?? [];
    return items
      .map((pair) => ({ name: isScalar(pair.key) ? String(pair.key.value) : String(pair.key), line: this.lineOf(pair.key as Node | undefined) }))
      .filter(({ name }) => !known.includes(name))
      .map(({ name, line }) => ({ key: section.key ? `${section.key}.${name}` : name, line }));
  }

  /** A key given twice in a mapping we read is an error (which one would win is not obvious). */
  private checked(section: Section): Section {
    const seen = new Set<unknown>();
    for (const pair of section.map?.items ?? []) {
      const name = isScalar(pair.key) ? pair.key.value : pair.key;
      if (!seen.has(name)) {
        seen.add(name);
        continue;
      }
      const line = this.lineOf(pair.key as Node | undefined);
      const key = typeof name === 'string' ? (section.key ? `${section.key}.${name}` : name) : section.key || 'a key';
      throw new ConfigError(`${this.where(line)}YAML syntax error: ${key} is given twice`, { key, ...(line !== undefined && { line }) });
    }
    return section;
  }

  private keyLine(parent: Section, name: string): number | undefined {
    const pair = parent.map?.items.find((item) => isScalar(item.key) && item.key.value === name);
    return pair && isScalar(pair.key) ? this.lineOf(pair.key) : undefined;
  }

  private child(parent: Section, name: string): Node | undefined {
    return this.resolve((parent.map?.get(name, true) as Node | undefined) ?? undefined);
  }

  /** Follows `*alias` references to the anchored node. */
  private resolve(node: unknown): Node | undefined {
    let current = node as Node | undefined;
    for (let depth = 0; depth < 100 && current !== undefined && isAlias(current); depth++) {
      const target = current.resolve(this.document);
      if (target === undefined) {
        const line = this.lineOf(current);
        // The alias's name is not quoted: an unquoted value that starts with "*" (a password) reads as one.
        throw new ConfigError(`${this.where(line)}a value starting with "*" is read as a YAML alias, and it has no matching anchor (quote the value)`, { line });
      }
      current = target as Node;
    }
    return current;
  }

  private lineOf(node: Node | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }
}

/** The parser's description without anything it appended after a colon (a source excerpt). */
function shortMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  const colon = firstLine.indexOf(': ');
  return colon === -1 ? firstLine : firstLine.slice(0, colon);
}
