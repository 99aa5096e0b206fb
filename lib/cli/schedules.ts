import { performance } from 'node:perf_hooks';

/** Messages in flight per session (closed model); the open model's tick. */
const WINDOW = 16;
const TICK_MS = 5;

/** One message waiting for its echo. */
export interface Pending {
  /** When it should have gone (open model) or went (closed): latency counts from here. */
  from: number;
  measured: boolean;
  /** Handed to a socket: one that dies may have lost it. Until then it waits in the channel's queue, which sends it on the next connection. */
  handed: boolean;
}

/** An open-model lane's schedule: the next session of the lane goes on where the last one stopped. */
export interface LaneClock {
  from: number;
}

type Send = (id: number, from: number) => Promise<void>;

/** Closed model: WINDOW messages in flight; the next goes when an echo comes. */
export async function streamClosed(messages: number, pending: ReadonlyMap<number, Pending>, send: Send, waitForEcho: () => Promise<void>, alive: () => boolean): Promise<void> {
  for (let id = 0; id < messages && alive(); id++) {
    while (pending.size >= WINDOW && alive()) await waitForEcho();
    if (!alive()) break;
    void send(id, performance.now()).catch(() => undefined); // the window bounds what is in flight; a write's own wait would only slow the sender
  }
}

/**
 * Open model: this lane's share of `rate` (messages/s over all `lanes`), on
 * a schedule; each message counts its latency from when it should have gone,
 * so a stalled gateway shows in the figures instead of slowing the sender
 * down (coordinated omission).
 */
export async function streamOpen(rate: number, limit: number, send: Send, clock: LaneClock, lanes: number, alive: () => boolean): Promise<void> {
  const interval = (1000 * lanes) / rate;
  const start = clock.from;
  let id = 0;
  while (id < limit && alive()) {
    const now = performance.now();
    for (let due = start + id * interval; due <= now && id < limit; due = start + id * interval) void send(id++, due).catch(() => undefined);
    if (id < limit) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  clock.from = start + id * interval;
}
