import { config, log, serve } from '@msec/sdk';
import { flightService } from './flight-service.js';

// The agent (or ./msec up) gives MSEC_SERVICE, MSEC_PORT and MSEC_ZK_CONNECT; serve() reads them.
const running = await serve(flightService);
// A config version published in the console reaches this process without a restart; say what changed.
config.watch('fare', (fare, previous) => log.info('config changed', { name: 'fare', value: fare, previous }));
process.stdout.write(`Flight.mod_flight serving on ${running.host}:${running.port}\n`);
