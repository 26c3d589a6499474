import { ValidationError, type CommandRequester } from '@msec/contracts';
import { adminRequired } from '../deploy.errors.js';

/** The `actor` of a command request, as the gateway sends it: `{ user, role }` of the signed-in user. */
export function parseRequester(raw: unknown): CommandRequester {
  const actor = raw as Partial<CommandRequester> | null | undefined;
  if (typeof actor !== 'object' || actor === null || typeof actor.user !== 'string' || actor.user === '' || typeof actor.role !== 'string')
    throw new ValidationError('actor', 'must be { user, role } of the user asking; requests come through the gateway, which sets it');
  return { user: actor.user.slice(0, 128), role: actor.role.slice(0, 16) };
}

/** Checks the requester is an admin; `what` names the refused action in the error. */
export function requireAdmin(raw: unknown, what: string): CommandRequester {
  const actor = parseRequester(raw);
  if (actor.role !== 'admin') throw adminRequired(actor, what);
  return actor;
}

/** How the requester is named in the signed envelope and the host-command audit. */
export function describeRequester(actor: CommandRequester): string {
  return `${actor.user} (${actor.role})`;
}
