import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reference's flight IDL, unchanged (examples/flight/proto/flight.proto). */
export const FLIGHT_PROTO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'flight.proto');

/** Name under which the demo is registered and routed. */
export const FLIGHT_SERVICE = 'Flight.mod_flight';

/** `package.service` in the IDL. */
export const FLIGHT_IDL_SERVICE = 'flight.flight_service';

/** The request of queryFlight, as the IDL defines it. */
export interface QueryFlightRequest {
  name: string;
  password: string;
  departureCity: string;
  destinationCity: string;
}

/** The response of queryFlight. */
export interface QueryFlightResponse {
  errcode: number;
  errmsg: string;
  flightsInfo: string;
}

/** Typed client of flight_service. */
export interface FlightClient {
  queryFlight(request: QueryFlightRequest, options?: { timeoutMs?: number }): Promise<QueryFlightResponse>;
}
