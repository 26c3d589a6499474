/**
 * Lets the event loop serve I/O between synchronous database steps. SQLite (better-sqlite3) runs each statement on
 * the main thread and its promises resolve as microtasks, so a loop of steps would otherwise hold the loop until it
 * ends: health and storage requests, and the console behind them, would wait seconds while ingest or a trim runs.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
