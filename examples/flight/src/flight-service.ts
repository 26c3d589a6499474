import { defineService, monitor, type RequestContext } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, type QueryFlightRequest, type QueryFlightResponse } from './flight-idl.js';

/** The reference's business logic: user bison with password 123456 gets the flight, anyone else "invalid user". */
export async function queryFlight(request: QueryFlightRequest, _context: RequestContext): Promise<QueryFlightResponse> {
  monitor.add('query_flight');
  if (request.name === 'bison' && request.password === '123456') {
    return { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' };
  }
  // A business report, as in MSEC: per-minute curves of failed logins for the service and each host.
  monitor.add('login_fail');
  return { errcode: -1, errmsg: 'invalid user', flightsInfo: '' };
}

/** Flight.mod_flight's implementation of flight.flight_service; queryFlight only reads, so it is safe to retry. */
export const flightService = defineService(FLIGHT_PROTO, FLIGHT_IDL_SERVICE, { queryFlight }, { idempotent: ['queryFlight'] });
