/**
 * The whole send in one call. Apart from send.ts because carrying out (carry-out.ts) uses the
 * batch sending there, and this uses carrying out.
 */
import { StoreError } from '../store/errors.js';
import { carryOutReceived } from './carry-out.js';
import type { RelayDeps, RelayObserver } from './deps.js';
import { receiveRequest } from './intake.js';
import { intakeOfSendRequest, type SendOutcome, type SendRequest } from './send.js';

/**
 * The whole send in one call: the intake write (intake.ts), then carrying it out (carry-out.ts).
 * Front doors split the two around Slack's ack; tests and other callers may use this.
 */
export async function sendRelay(
  deps: RelayDeps,
  request: SendRequest,
  observer: RelayObserver = {},
): Promise<SendOutcome> {
  const received = await receiveRequest(deps, intakeOfSendRequest(request));
  switch (received.type) {
    case 'accepted':
      return carryOutReceived(deps, received.record, observer);
    case 'duplicate':
      return { type: 'duplicate', record: received.record };
    case 'invalid_text':
      return received;
    case 'unavailable':
      throw new StoreError('The relay store did not take the request in time');
  }
}
