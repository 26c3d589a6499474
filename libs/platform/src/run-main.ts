import { MsecError } from '@msec/contracts';

/** One line for a fatal error: `CODE: message` for platform errors, the stack for anything unexpected. */
export function describeFatalError(error: unknown): string {
  if (error instanceof MsecError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Runs a service's start-up; a bad config or dead dependency ends the process with one clear line and exit code 1. */
export function runMain(component: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    process.stderr.write(`[${component}] failed to start: ${describeFatalError(error)}\n`);
    process.exit(1);
  });
}
