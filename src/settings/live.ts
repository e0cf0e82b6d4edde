/**
 * The settings in force, kept current on every replica without a restart: each replica reads the
 * scope's version from the store every `everyMs` (one key or row, cheap) and, when it moved,
 * reads the overrides and merges them with the config file again. A change made through this
 * replica is applied at once (settings/editor.ts); other replicas see it within `everyMs`.
 *
 * `relaySettings` is what RelayDeps.settings holds: an object whose getters read the settings in
 * force at each access, so the relay code that reads `deps.settings.aliases` (and the facade that
 * hands `deps.settings` to the doors) sees a change without being rebuilt.
 */
import type { FileConfig } from '../config/file.js';
import type { RelayLog, RelaySettings } from '../relay/deps.js';
import { effectiveSettings } from './effective.js';
import type { SettingsStorePort, StoredSettings } from './port.js';

export interface LiveSettingsOptions {
  store: SettingsStorePort;
  scope: string;
  /** The config file (FX_BRIDGE_CONFIG), or its defaults without one. */
  file: FileConfig;
  log: Pick<RelayLog, 'warn'>;
  /** How often the version is read (default 1 s). */
  everyMs?: number;
}

export class LiveSettings {
  readonly #options: LiveSettingsOptions;
  #stored: StoredSettings = { version: 0, overrides: {} };
  #current: FileConfig;
  #timer: NodeJS.Timeout | undefined;
  /** A store that fails is logged once, then once again when it answers: not every second. */
  #failing = false;
  readonly relaySettings: RelaySettings;

  constructor(options: LiveSettingsOptions) {
    this.#options = options;
    this.#current = options.file;
    this.relaySettings = liveRelaySettings(() => this.#current);
  }

  get scope(): string {
    return this.#options.scope;
  }

  get file(): FileConfig {
    return this.#options.file;
  }

  /** The settings in force now. */
  get current(): FileConfig {
    return this.#current;
  }

  /** The overrides in force now, with their version. */
  get stored(): StoredSettings {
    return this.#stored;
  }

  /** Reads the overrides once (a start fails if the store cannot answer), then polls the version. */
  async start(): Promise<void> {
    await this.refresh();
    const everyMs = this.#options.everyMs ?? 1_000;
    let reading = false;
    this.#timer = setInterval(() => {
      // A store that hangs is asked once at a time, not once more every second.
      if (reading) return;
      reading = true;
      this.refresh()
        .finally(() => {
          reading = false;
        })
        .then(
          () => {
            if (!this.#failing) return;
            this.#failing = false;
            this.#options.log.warn({}, 'settings are read from the store again');
          },
          (error: unknown) => {
            if (this.#failing) return;
            this.#failing = true;
            this.#options.log.warn(
              { err: error },
              'settings could not be read from the store; the last ones read stay in force, and it is tried every second',
            );
          },
        );
    }, everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads the version, and the overrides when it moved. */
  async refresh(): Promise<void> {
    const { store, scope } = this.#options;
    const version = await store.version(scope);
    if (version === this.#stored.version) return;
    this.apply(await store.read(scope));
  }

  /** Puts stored overrides in force; an older version than the one in force is ignored (a late read). */
  apply(stored: StoredSettings): void {
    if (stored.version < this.#stored.version) return;
    const { settings, problems } = effectiveSettings(this.#options.file, stored.overrides);
    if (problems.length > 0) {
      // The file changed under the overrides: the file alone is in force until an admin fixes them.
      this.#options.log.warn(
        { version: stored.version, problems },
        'settings edited in Slack do not fit the config file; the config file alone is in force',
      );
    }
    this.#stored = stored;
    this.#current = settings;
  }
}

/** RelaySettings whose every field is read from the settings in force at the moment of reading. */
export function liveRelaySettings(current: () => FileConfig): RelaySettings {
  return {
    get aliases() {
      return current().aliases;
    },
    get slackUsers() {
      return current().slackUsers;
    },
    get admins() {
      return current().admins;
    },
    get messageTemplate() {
      return current().messageTemplate;
    },
    get maxMessageLength() {
      return current().maxMessageLength;
    },
    get maxRecipients() {
      return current().maxRecipients;
    },
    get channelDefaults() {
      return current().channelDefaults;
    },
    get access() {
      return current().access;
    },
    get sync() {
      return current().sync;
    },
    get routes() {
      return current().routes;
    },
  };
}
