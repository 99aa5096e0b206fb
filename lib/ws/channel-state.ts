import type { ChannelState } from './options';

/** Legal moves of the channel's state machine; anything else is a bug worth failing loudly on. */
const TRANSITIONS: Record<ChannelState, readonly ChannelState[]> = {
  idle: ['connecting', 'closing', 'closed'],
  connecting: ['open', 'reconnecting', 'closing', 'closed'],
  open: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['connecting', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Throws on a move the state machine does not allow. */
export function assertTransition(from: ChannelState, to: ChannelState): void {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`SessionChannel: illegal transition ${from} → ${to}`);
}

/** Is the channel on its way out (no new sends, no new connections)? */
export function isEnding(state: ChannelState): boolean {
  return state === 'closing' || state === 'closed';
}
