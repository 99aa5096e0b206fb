/** The id of an echoed bench message, `'renewal'` for an in-band renewal's answer, else undefined. */
export function parseEcho(data: string | Buffer): number | 'renewal' | undefined {
  try {
    const message = JSON.parse(String(data)) as { type?: unknown; data?: { type?: unknown; id?: unknown } };
    if (message.type === 'auth_ok') return 'renewal';
    return message.data?.type === 'bench' && typeof message.data.id === 'number' ? message.data.id : undefined;
  } catch {
    return undefined;
  }
}
