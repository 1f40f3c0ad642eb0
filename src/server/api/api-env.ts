import type { Principal } from '../auth/tokens.js';

/** Per-request values the middleware sets for the routes. */
export interface ApiEnv {
  Variables: {
    principal: Principal;
    traceId: string;
  };
}
