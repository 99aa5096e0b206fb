import type { RawData } from 'ws';
import type { IncomingMessage, OutgoingMessage } from './options';

/** What ws can put on the wire as one frame. */
export type Frame = string | Buffer | ArrayBuffer | ArrayBufferView;

/**
 * Text and binary go as they are; any other value as JSON text. Throws a
 * `TypeError` on a value JSON cannot encode (a cycle, a BigInt) or encodes as
 * nothing (`undefined`, a function, a symbol): never an empty frame.
 */
export function encode(data: OutgoingMessage): Frame {
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data; // a Buffer is a view
  const text: unknown = JSON.stringify(data);
  if (typeof text !== 'string') throw new TypeError(`a ${data === null ? 'null' : typeof data} value has no JSON form`);
  return text;
}

/** Text frames as strings, binary frames as one Buffer (the browser socket hands text over as a string already). */
export function decode(data: RawData | string, isBinary: boolean): IncomingMessage {
  if (typeof data === 'string') return data;
  if (typeof Buffer === 'undefined') return data as unknown as IncomingMessage; // a browser's binary frame: a Uint8Array
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return isBinary ? buffer : buffer.toString('utf8');
}
