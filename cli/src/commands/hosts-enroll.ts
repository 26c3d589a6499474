import type { HostEnrollmentCreated, HostEnrollmentView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import type { CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';

/** Usage of the enrolment subcommands of `msec hosts`. */
export const ENROLL_USAGE = `  ./msec hosts enroll HOST [--ttl-minutes N]     a one-time token the new host's agent joins with (default 60 min)
  ./msec hosts enrollments                       tokens: pending, used (when, from where), expired, cancelled
  ./msec hosts cancel-enrollment ID              cancel a token that was not used yet`;

const when = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** Where an enrolment stands, as one word. */
export function enrollmentState(e: HostEnrollmentView, now = Date.now()): string {
  if (e.redeemedAt !== null) return 'used';
  if (e.revokedAt !== null) return 'cancelled';
  return e.expiresAt <= now ? 'expired' : 'pending';
}

/** `msec hosts enroll HOST`: creates the token and prints the command to run on the new host. */
export async function enrollHost(client: RestClient, args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const hostId = args.positionals[1];
  if (!hostId) throw badArgs('HOST', 'is missing: ./msec hosts enroll HOST (the new host’s id, e.g. web-03)');
  const ttlText = args.flags['ttl-minutes'];
  if (ttlText === true || (ttlText !== undefined && !/^\d+$/.test(ttlText)))
    throw badArgs('ttl-minutes', `must be a whole number of minutes from 1 to 10080; got ${JSON.stringify(ttlText)}`);
  const body = ttlText === undefined ? { hostId } : { hostId, ttlMinutes: Number(ttlText) };
  const created = await client.request<HostEnrollmentCreated>('POST', '/api/v1/hosts/enrollments', body);
  if (json) {
    io.out(JSON.stringify(created, null, 2));
    return 0;
  }
  io.out(`Enrolment token for host ${created.hostId}, usable once until ${when(created.expiresAt)}:`);
  io.out(`  ${created.token}`);
  io.out('On the new host, from a clone of this repository (--nats: NATS as that host reaches it, when not the default):');
  io.out(`  ./msec agent --enroll ${created.token} --gateway ${client.baseUrl} --ip HOST_IP`);
  return 0;
}

/** `msec hosts enrollments`. */
export async function listEnrollments(client: RestClient, io: CliIo, json: boolean): Promise<number> {
  const page = await client.request<{ items: HostEnrollmentView[] }>('GET', '/api/v1/hosts/enrollments');
  if (json) io.out(JSON.stringify(page.items, null, 2));
  else if (page.items.length === 0) io.out('No enrolment tokens yet: ./msec hosts enroll HOST');
  else
    io.out(
      textTable(
        ['id', 'host', 'state', 'created', 'expires', 'by', 'used from'],
        page.items.map((e) => [
          e.id,
          e.hostId,
          enrollmentState(e),
          when(e.createdAt),
          when(e.expiresAt),
          e.createdBy,
          e.redeemedFrom ?? '',
        ]),
      ),
    );
  return 0;
}

/** `msec hosts cancel-enrollment ID`. */
export async function cancelEnrollment(client: RestClient, args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const id = args.positionals[1];
  if (!id) throw badArgs('ID', 'is missing: ./msec hosts cancel-enrollment ID (see ./msec hosts enrollments)');
  const e = await client.request<HostEnrollmentView>('DELETE', `/api/v1/hosts/enrollments/${encodeURIComponent(id)}`);
  io.out(json ? JSON.stringify(e, null, 2) : `Enrolment token ${e.id} for ${e.hostId} is ${enrollmentState(e)}.`);
  return 0;
}
