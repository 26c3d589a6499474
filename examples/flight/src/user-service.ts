import { createHash, timingSafeEqual } from 'node:crypto';
import { defineService, type RequestContext } from '@msec/sdk';
import { USER_IDL_SERVICE, USER_PROTO, type CheckPasswordRequest, type CheckPasswordResponse } from './user-idl.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The demo's one account, as in the reference: bison / 123456. Kept as a digest, compared in constant time. */
const PASSWORD_DIGESTS = new Map<string, Buffer>([['bison', digest('123456')]]);

/** User.mod_user's checkPassword: true when the name is known and the password matches. */
export async function checkPassword(request: CheckPasswordRequest, context: RequestContext): Promise<CheckPasswordResponse> {
  const stored = PASSWORD_DIGESTS.get(request.name);
  context.log.debug('comparing password digest', { name: request.name, known: stored !== undefined });
  const ok = stored !== undefined && timingSafeEqual(stored, digest(request.password));
  context.log.info('password checked', { name: request.name, ok });
  return { ok };
}

/** User.mod_user's implementation of user.user_service; checkPassword only reads, so it is safe to retry. */
export const userService = defineService(USER_PROTO, USER_IDL_SERVICE, { checkPassword }, { idempotent: ['checkPassword'] });
