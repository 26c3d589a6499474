/** The flight demo's IDL location, names and types. */
export { FLIGHT_PROTO, FLIGHT_SERVICE, FLIGHT_IDL_SERVICE } from './flight-idl.js';
export type { FlightClient, QueryFlightRequest, QueryFlightResponse } from './flight-idl.js';
/** The demo's service definition. */
export { flightService, queryFlight } from './flight-service.js';
/** The user module Flight.mod_flight calls to check passwords: IDL, names, types and definition. */
export { USER_PROTO, USER_SERVICE, USER_IDL_SERVICE } from './user-idl.js';
export type { UserClient, CheckPasswordRequest, CheckPasswordResponse } from './user-idl.js';
export { userService, checkPassword } from './user-service.js';
