import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MsecError } from '@msec/contracts';
import { writePython, writeTypeScript } from '@msec/rpc';
import { say } from '../output.js';

/** Languages `msec gen` writes. */
const WRITERS: Record<string, (protoPath: string, outDir: string) => Promise<string[]>> = { ts: writeTypeScript, python: writePython };

/**
 * `msec gen x.proto --out dir [--lang ts|python]`: writes TypeScript types, a typed server skeleton and a typed client
 * (MSEC's development package), or one Python module for the Python SDK.
 */
export async function gen(protoPath: string | undefined, outDir: string | undefined, lang = 'ts'): Promise<number> {
  if (!protoPath)
    throw new MsecError('CLI_BAD_ARGS', 'usage: msec gen path/to/x.proto --out dir [--lang ts|python]', {
      status: 400,
      data: { field: 'proto' },
    });
  const write = WRITERS[lang === 'typescript' ? 'ts' : lang];
  if (!write)
    throw new MsecError('CLI_BAD_ARGS', `--lang: ${lang} is not a language msec gen writes; use ts or python`, {
      status: 400,
      data: { field: 'lang' },
    });
  if (!existsSync(protoPath))
    throw new MsecError('CLI_BAD_ARGS', `proto: ${protoPath} does not exist`, { status: 400, data: { field: 'proto' } });
  const out = resolve(outDir ?? 'generated');
  let written: string[];
  try {
    written = await write(resolve(protoPath), out);
  } catch (error) {
    throw new MsecError(
      'CLI_BAD_PROTO',
      `proto: ${protoPath} does not compile: ${error instanceof Error ? error.message : String(error)}`,
      {
        status: 400,
        data: { field: 'proto' },
      },
    );
  }
  for (const file of written) say(`wrote ${file}`);
  return 0;
}
