import { MsecError } from '@msec/contracts';

/** Parsed command line: the command, its positional words and its --flags. */
export interface ParsedArgs {
  command: string;
  positionals: string[];
  flags: Record<string, string | true>;
}

/** Splits argv into command, positionals and flags (`--name value`, `--name=value`, `-d`). */
export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i]!;
    if (word === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (inline !== undefined) flags[name] = inline;
      else if (booleanFlags.has(name)) flags[name] = true;
      else {
        const value = rest[i + 1];
        if (value === undefined) throw new MsecError('CLI_BAD_ARGS', `--${name} needs a value`, { status: 400, data: { field: name } });
        flags[name] = value;
        i += 1;
      }
    } else if (word.startsWith('-') && word.length > 1) {
      for (const letter of word.slice(1)) flags[letter] = true;
    } else positionals.push(word);
  }
  return { command, positionals, flags };
}

/** A string flag's value, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}
