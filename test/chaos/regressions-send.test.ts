/** Chaos regressions, sends: a kill -9 while relays wait for the rate budget, a failure after the response_url expired (the harness: fixed-defect.ts). */
import { fixedDefect } from './fixed-defect.js';

// Issue 17 #1, "Queued is not dispatched".
fixedDefect('queued-kill', 'kill -9 while relays wait for the rate budget');
// Issue 17 #4, "A failure is heard after the response_url is gone".
fixedDefect('expired-response-url', 'a failure after the response_url expired is silent');
