import { client, closeSharedRuntime } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, type FlightClient } from './flight-idl.js';

// Step 5 of the reference: call queryFlight, by service name (routed) or at a fixed address given as argument.
const target = process.argv[2] ?? FLIGHT_SERVICE;
const flight = await client<FlightClient>(target, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
const response = await flight.queryFlight({ name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' });
process.stdout.write(`Received response OK! ${JSON.stringify(response)}\n`);
closeSharedRuntime();
