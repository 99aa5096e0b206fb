/** util.inspect's hook, by its registered symbol: no `node:util` import, so browsers build too. */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What an object holding secrets prints: its name and its `toJSON()` metadata, nothing it references. */
export function printed(name: string, metadata: Record<string, unknown>): string {
  return `${name} ${JSON.stringify(metadata)}`;
}
