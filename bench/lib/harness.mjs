// Small pieces every scenario uses: a contender's lifetime, time limits,
// a full garbage collection, and the unavailable-contender record.
import { setTimeout as sleep } from 'node:timers/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Creates a contender, logs it in, runs `fn`, and always closes it. */
export async function withContender(definition, server, { maxSockets = 256 } = {}, fn) {
  const contender = definition.create({ origin: server.origin, tokenUrl: server.tokenUrl, maxSockets });
  try {
    await contender.login();
    return await fn(contender);
  } finally {
    contender.close();
  }
}

/** `promise`, or a rejection after `ms` (the timer never outlives the race). */
export async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check()` every `everyMs` until it is true or `ms` passed; returns the last answer. */
export async function waitFor(check, { ms, everyMs = 20 }) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Several collections with turns in between, so finalizers and weak maps settle. */
export async function fullGc() {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    global.gc();
    await nextTurn();
  }
  await sleep(50);
  global.gc();
}

export const megabytes = (bytes) => Number((bytes / 1024 / 1024).toFixed(2));

/** The row of a contender that could not run, with the reason. */
export function unavailableRow(definition, reason) {
  return { contender: definition.id, label: definition.label, unavailable: reason };
}

/** Contenders of `definitions` that can run now; the others as rows saying why not. */
export function splitAvailable(definitions) {
  const available = [];
  const skipped = [];
  for (const definition of definitions) {
    const reason = definition.unavailable?.();
    if (reason) skipped.push(unavailableRow(definition, reason));
    else available.push(definition);
  }
  return { available, skipped };
}

/**
 * Resources open now that were not open in `before` (from process.getActiveResourcesInfo()).
 * `ownTimer`: the caller runs in a ref'd timer, which is listed as a 'Timeout' of its own;
 * an unref'd one is not listed, and nothing else may be taken off for it.
 */
export function leftoverHandles(before, { ownTimer = false } = {}) {
  const leftovers = process.getActiveResourcesInfo();
  for (const resource of ownTimer ? [...before, 'Timeout'] : before) {
    const index = leftovers.indexOf(resource);
    if (index >= 0) leftovers.splice(index, 1);
  }
  return leftovers;
}
