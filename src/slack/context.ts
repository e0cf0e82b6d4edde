/** What every listener receives besides Bolt's own arguments. */
import type { Logger } from '../logger.js';
import type { RelayDeps } from '../relay/deps.js';

export interface ListenerContext {
  relay: RelayDeps;
  logger: Logger;
}
