import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { badArgs } from '../api/api.errors.js';
import type { CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import type { ParsedArgs } from '../cli-args.js';

/** Usage of the remote-operation subcommands of `msec hosts` (admin only; every command is signed and audited). */
export const REMOTE_USAGE = `  ./msec hosts exec HOST [--timeout-ms N] -- CMD [ARG...]
                                                 run a command on a host (no shell; in the agent's files folder)
  ./msec hosts get HOST PATH [--out FILE]        fetch a file from the host's files folder
  ./msec hosts put HOST FILE PATH                send a file into the host's files folder`;

/** The largest file `hosts put` sends: one signed command carries it inline. */
const PUT_LIMIT_BYTES = 512 * 1024;

interface CommandReplyBody {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  path?: string;
  bytes?: number;
  sha256?: string;
  contentBase64?: string;
}

const command = (
  client: RestClient,
  host: string,
  type: string,
  args: Record<string, unknown>,
  timeoutMs?: number,
): Promise<CommandReplyBody> =>
  client.request<CommandReplyBody>('POST', `/api/v1/hosts/${encodeURIComponent(host)}/commands`, {
    type,
    args,
    ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs + 5_000 }),
  });

/**
 * `msec hosts exec HOST -- CMD ARG…`: prints the command's output and exits with its exit code. Everything after `--`
 * is the argv, flags included.
 */
export async function execOnHost(client: RestClient, args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const [, host, ...argv] = args.positionals;
  if (!host) throw badArgs('HOST', 'is missing: ./msec hosts exec HOST -- CMD [ARG...]');
  if (argv.length === 0) throw badArgs('CMD', 'is missing after --: ./msec hosts exec HOST -- /usr/bin/uptime');
  const timeoutText = args.flags['timeout-ms'];
  if (timeoutText === true || (timeoutText !== undefined && !/^\d+$/.test(timeoutText)))
    throw badArgs('timeout-ms', 'must be a whole number of milliseconds from 100 to 600000');
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  const reply = await command(client, host, 'exec', { argv, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, timeoutMs);
  if (json) io.out(JSON.stringify(reply, null, 2));
  else {
    if (reply.stdout) io.out(reply.stdout.replace(/\n$/, ''));
    if (reply.stderr) io.err(reply.stderr.endsWith('\n') ? reply.stderr : `${reply.stderr}\n`);
  }
  return reply.exitCode ?? 1;
}

/** `msec hosts get HOST PATH [--out FILE]`. */
export async function getFromHost(client: RestClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const [, host, path] = args.positionals;
  if (!host || !path) throw badArgs('HOST PATH', 'are missing: ./msec hosts get HOST PATH [--out FILE]');
  const out = args.flags.out;
  if (out === true) throw badArgs('out', 'needs a value');
  const reply = await command(client, host, 'get-file', { path });
  const content = Buffer.from(reply.contentBase64 ?? '', 'base64');
  if (out) {
    writeFileSync(out, content);
    io.out(`Wrote ${out} (${content.length} bytes from ${host}:${path}).`);
  } else io.out(content.toString('utf8').replace(/\n$/, ''));
  return 0;
}

/** `msec hosts put HOST FILE PATH`. */
export async function putOnHost(client: RestClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const [, host, file, path] = args.positionals;
  if (!host || !file || !path) throw badArgs('HOST FILE PATH', 'are missing: ./msec hosts put HOST FILE PATH');
  if (!existsSync(file)) throw badArgs('FILE', `${file} does not exist`);
  const content = readFileSync(file);
  if (content.length > PUT_LIMIT_BYTES)
    throw badArgs('FILE', `${file} is ${content.length} bytes; at most ${PUT_LIMIT_BYTES} go in one command (use a package for more)`);
  const reply = await command(client, host, 'put-file', { path, contentBase64: content.toString('base64') });
  io.out(`Sent ${reply.bytes ?? content.length} bytes to ${host}:${reply.path ?? path} (sha256 ${reply.sha256 ?? '?'}).`);
  return 0;
}
