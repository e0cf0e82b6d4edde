/** What every listener receives besides Bolt's own arguments. */
import type { Logger } from '../logger.js';
import type { RelayDeps } from '../relay/deps.js';
import type { InFlightWork } from './in-flight.js';

export interface ListenerContext {
  relay: RelayDeps;
  logger: Logger;
  /** Post-ack work, awaited on shutdown. */
  work: InFlightWork;
}
