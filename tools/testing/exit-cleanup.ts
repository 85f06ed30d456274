/**
 * Last-resort cleanup for servers a test started: if the test process ends without the
 * afterAll that should have removed them (a crash, a timeout that kills the worker), these
 * run synchronously on 'exit', so no broker or database outlives the run.
 */
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the next cleanup must still run.
    }
  }
  cleanups.clear();
}

/** Registers a synchronous cleanup; the returned function unregisters it (after a normal removal). */
export function cleanUpOnExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
