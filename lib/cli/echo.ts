/** The tail of an echo of a bench message: `…"data":{"type":"bench","id":N}}`. */
const ECHO_TAIL = /"data":\{"type":"bench","id":(\d+)\}\}$/;

/** The id of an echoed bench message, `'renewal'` for an in-band renewal's answer, else undefined. */
export function parseEcho(data: string | Buffer): number | 'renewal' | undefined {
  const text = String(data);
  // The common case, read without a JSON.parse per message: the gateway's echo of {type:'bench', id}.
  const fast = ECHO_TAIL.exec(text);
  if (fast && text.startsWith('{"type":"echo"')) return Number(fast[1]);
  try {
    const message = JSON.parse(text) as { type?: unknown; data?: { type?: unknown; id?: unknown } };
    if (message.type === 'auth_ok') return 'renewal';
    return message.data?.type === 'bench' && typeof message.data.id === 'number' ? message.data.id : undefined;
  } catch {
    return undefined;
  }
}
