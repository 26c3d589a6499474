import { serve } from '@msec/sdk';
import { flightService } from './flight-service.js';

// The agent (or ./msec up) gives MSEC_SERVICE, MSEC_PORT and MSEC_ZK_CONNECT; serve() reads them.
const running = await serve(flightService);
process.stdout.write(`Flight.mod_flight serving on ${running.host}:${running.port}\n`);
