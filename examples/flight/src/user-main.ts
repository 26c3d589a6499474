import { serve } from '@msec/sdk';
import { userService } from './user-service.js';

// The agent (or ./msec up) gives MSEC_SERVICE=User.mod_user, MSEC_PORT and MSEC_ZK_CONNECT; serve() reads them.
const running = await serve(userService);
process.stdout.write(`User.mod_user serving on ${running.host}:${running.port}\n`);
