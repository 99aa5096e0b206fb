/**
 * Can this request body be sent a second time? A stream (Node `Readable`,
 * `form-data`, a web `ReadableStream`, an async iterable) was consumed by the
 * first attempt; strings, buffers, blobs, `URLSearchParams`, spec `FormData`
 * and plain objects were not.
 */
export function isReplayableBody(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  const body = data as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof body.pipe !== 'function' && typeof body.getReader !== 'function' && typeof body[Symbol.asyncIterator] !== 'function';
}
