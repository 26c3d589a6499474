import { existsSync } from 'node:fs';

/** How often the agent looks for a console key file that is not there yet, and how often it says so. */
const POLL_MS = 250;
const REMIND_MS = 30_000;

/**
 * Waits until the console's public key file exists. On a fresh `./msec up` the deploy service writes it on its
 * first start, which can be after the agent starts; on another host an operator copies it there. Either way the
 * agent cannot verify a command without it, so it waits (saying where it looks) instead of crashing.
 */
export async function waitForConsoleKey(file: string, say: (line: string) => void): Promise<void> {
  if (existsSync(file)) return;
  say(
    `waiting for the console public key at ${file} (the deploy service writes it on first start; on other hosts copy it there or set MSEC_CONSOLE_KEY)`,
  );
  let lastReminder = Date.now();
  while (!existsSync(file)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (Date.now() - lastReminder >= REMIND_MS) {
      say(`still waiting for the console public key at ${file}`);
      lastReminder = Date.now();
    }
  }
}
