/** What every listener receives besides Bolt's own arguments. */
import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { RelayFacade } from '../relay/facade.js';
import type { SettingsAdmin } from '../settings/editor.js';
import type { SlackProfileCache } from './api/profiles.js';
import type { HomeViewers } from './home/viewers.js';
import type { InFlightWork } from './jobs/in-flight.js';
import type { RelayJobsPort } from './jobs/port.js';

export interface ListenerContext {
  /** Everything a door may ask of the core (relay/facade.ts); doors never see the store. */
  relay: RelayFacade;
  logger: Logger;
  /** Post-ack work that is not a relay (App Home publishes, notices), awaited on shutdown. */
  work: InFlightWork;
  /** What follows the ack: relay work, queued and leased, and its answers (jobs/relay-jobs.ts). */
  jobs: RelayJobsPort;
  /** users.info, cached (the same cache the relay maps mentions with): display names in the compose window. */
  profiles?: SlackProfileCache;
  /** Users who opened the App Home lately; without it every send refreshes its sender's Home. */
  homeViewers?: HomeViewers;
  /**
   * Blocks above the relays in a user's App Home (install mode: the workspace's Fxiaoke
   * connection, and the Connect button for admins); none in the single-workspace mode.
   */
  homeHeader?: (client: webApi.WebClient, userId: string) => Promise<types.KnownBlock[]>;
  /** Settings edited in App Home by admins (settings/editor.ts); absent: no Settings section. */
  settings?: SettingsAdmin;
}
