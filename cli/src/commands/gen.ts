import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MsecError } from '@msec/contracts';
import { writeTypeScript } from '@msec/rpc';
import { say } from '../output.js';

/** `msec gen x.proto --out dir`: writes TypeScript types, a typed server skeleton and a typed client (MSEC's development package). */
export async function gen(protoPath: string | undefined, outDir: string | undefined): Promise<number> {
  if (!protoPath)
    throw new MsecError('CLI_BAD_ARGS', 'usage: msec gen path/to/x.proto --out dir', { status: 400, data: { field: 'proto' } });
  if (!existsSync(protoPath))
    throw new MsecError('CLI_BAD_ARGS', `proto: ${protoPath} does not exist`, { status: 400, data: { field: 'proto' } });
  const out = resolve(outDir ?? 'generated');
  let written: string[];
  try {
    written = await writeTypeScript(resolve(protoPath), out);
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
