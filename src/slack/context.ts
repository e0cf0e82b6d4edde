/** What every listener receives besides Bolt's own arguments. */

import type { Logger } from '../logger.js';
import type { GroupMembers } from '../relay/access.js';
import type { RelayDeps } from '../relay/deps.js';
import type { HomeViewers } from './home-viewers.js';
import type { InFlightWork } from './in-flight.js';
import type { RelayJobsPort } from './jobs/port.js';
import type { SlackProfileCache } from './profiles.js';

export interface ListenerContext {
  relay: RelayDeps;
  logger: Logger;
  /** Post-ack work that is not a relay (App Home publishes, notices), awaited on shutdown. */
  work: InFlightWork;
  /** Relay work after the ack: queued, leased, answered (jobs/relay-jobs.ts). */
  jobs: RelayJobsPort;
  /** How long Slack profiles (users.info) and user groups are kept: PEOPLE_CACHE_TTL_SECONDS. */
  peopleCacheTtlMs: number;
  /** users.info, cached: mentions mapped to Fxiaoke, display names in relayed text. Set by createSlackApp. */
  profiles?: SlackProfileCache;
  /** usergroups.users.list, cached: members of `access.send.userGroups`. Set by createSlackApp. */
  groupMembers?: GroupMembers;
  /** Users who opened the App Home lately; without it every send refreshes its sender's Home. */
  homeViewers?: HomeViewers;
}
