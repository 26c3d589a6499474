import { MsecError } from '@msec/contracts';

/** Runs a service's start-up; a bad config or dead dependency ends the process with one clear line and exit code 1. */
export function runMain(component: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const message =
      error instanceof MsecError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`[${component}] failed to start: ${message}\n`);
    process.exit(1);
  });
}
