import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError, eventCatalogueMarkdown, withGeneratedCatalogue } from '@msec/contracts';
import { processIo } from '../api/cli-io.js';
import type { ParsedArgs } from '../cli-args.js';
import { REPO_ROOT } from '../paths.js';

/** Boolean flags of `msec events`. */
export const EVENTS_BOOLEAN_FLAGS = ['write'] as const;

/**
 * `msec events catalogue`: prints every event a subscriber can receive (type, version, owner, subject, fields, example);
 * with `--write`, rewrites the generated part of docs/events.md instead.
 */
export function events(args: ParsedArgs): number {
  const sub = args.positionals[0];
  if (sub !== 'catalogue') {
    throw new MsecError('CLI_BAD_ARGS', `events: give a subcommand: catalogue [--write] (got ${sub ?? 'nothing'})`, {
      status: 400,
      data: { field: 'subcommand' },
    });
  }
  const io = processIo();
  if (args.flags.write === true) {
    const file = join(REPO_ROOT, 'docs', 'events.md');
    writeFileSync(file, withGeneratedCatalogue(readFileSync(file, 'utf8')));
    io.out('docs/events.md rewritten from the event catalogue');
    return 0;
  }
  io.out(eventCatalogueMarkdown());
  return 0;
}
