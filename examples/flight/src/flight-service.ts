import { client, config, defineService, monitor, type RequestContext } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, type QueryFlightRequest, type QueryFlightResponse } from './flight-idl.js';
import { USER_IDL_SERVICE, USER_PROTO, USER_SERVICE, type UserClient } from './user-idl.js';

let users: Promise<UserClient> | undefined;

/** The routed client of User.mod_user, made on first use (it needs the registry's routes from ZooKeeper). */
function userClient(): Promise<UserClient> {
  users ??= client<UserClient>(USER_SERVICE, USER_IDL_SERVICE, { proto: USER_PROTO, idempotent: ['checkPassword'] }).catch(
    (error: unknown) => {
      users = undefined;
      throw error;
    },
  );
  return users;
}

/**
 * The reference's business logic: the password is checked by User.mod_user (as the reference's comment says it
 * should be), then bison gets the flight and anyone else "invalid user".
 */
export async function queryFlight(request: QueryFlightRequest, context: RequestContext): Promise<QueryFlightResponse> {
  monitor.add('query_flight');
  context.log.debug('query received', {
    name: request.name,
    departureCity: request.departureCity,
    destinationCity: request.destinationCity,
  });
  const { ok } = await (await userClient()).checkPassword({ name: request.name, password: request.password });
  if (ok) {
    context.log.info('flight found', { name: request.name });
    // The fare comes from the service's config (`fare = RMB…`), published in the console and read live.
    const fare = config.get<string>('fare') ?? 'RMB1230';
    return { errcode: 0, errmsg: 'success', flightsInfo: `{春秋航空;c8835;${fare}}` };
  }
  // A business report, as in MSEC: per-minute curves of failed logins for the service and each host.
  monitor.add('login_fail');
  context.log.info('login failed', { name: request.name });
  return { errcode: -1, errmsg: 'invalid user', flightsInfo: '' };
}

/** Flight.mod_flight's implementation of flight.flight_service; queryFlight only reads, so it is safe to retry. */
export const flightService = defineService(FLIGHT_PROTO, FLIGHT_IDL_SERVICE, { queryFlight }, { idempotent: ['queryFlight'] });
