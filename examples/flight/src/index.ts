/** The flight demo's IDL location, names and types. */
export { FLIGHT_PROTO, FLIGHT_SERVICE, FLIGHT_IDL_SERVICE } from './flight-idl.js';
export type { FlightClient, QueryFlightRequest, QueryFlightResponse } from './flight-idl.js';
/** The demo's service definition. */
export { flightService, queryFlight } from './flight-service.js';
