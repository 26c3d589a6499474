import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The user module's IDL (examples/flight/proto/user.proto), in the reference's proto2 style. */
export const USER_PROTO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'user.proto');

/** Name under which the user module is registered and routed. */
export const USER_SERVICE = 'User.mod_user';

/** `package.service` in the IDL. */
export const USER_IDL_SERVICE = 'user.user_service';

/** The request of checkPassword. */
export interface CheckPasswordRequest {
  name: string;
  password: string;
}

/** The response of checkPassword. */
export interface CheckPasswordResponse {
  ok: boolean;
}

/** Typed client of user_service. */
export interface UserClient {
  checkPassword(request: CheckPasswordRequest, options?: { timeoutMs?: number }): Promise<CheckPasswordResponse>;
}
