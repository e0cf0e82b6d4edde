/**
 * Slack user profiles (users.info), cached with a TTL: Slack rates users.info at Tier 4 and asks
 * apps to cache it, and the same few people are mentioned again and again. One request per user
 * in flight; failures are not cached, a user Slack does not know is.
 */
import type { webApi } from '@slack/bolt';
import type { ChatProfile, ChatProfiles } from '../../relay/people.js';
import { TtlCache } from '../../util/ttl-cache.js';
import { platformErrorCode } from '../errors.js';

const MAX_ENTRIES = 5_000;

export class SlackProfileCache implements ChatProfiles {
  readonly #client: webApi.WebClient;
  readonly #cache: TtlCache<string, ChatProfile | undefined>;

  /** `ttlMs`: PEOPLE_CACHE_TTL_SECONDS (config.ts DEFAULTS). */
  constructor(client: webApi.WebClient, ttlMs: number, now: () => number = Date.now) {
    this.#client = client;
    this.#cache = new TtlCache({ ttlMs, maxEntries: MAX_ENTRIES, now });
  }

  get(userId: string): Promise<ChatProfile | undefined> {
    return this.#cache.get(userId, (id) => this.#fetch(id));
  }

  /** The display name if already known: no call (the 3-second trigger window cannot wait). */
  cachedName(userId: string): string | undefined {
    return this.#cache.fresh(userId)?.value?.name;
  }

  /** The display name, or undefined when Slack cannot say; never throws. */
  async nameOf(userId: string): Promise<string | undefined> {
    try {
      return (await this.get(userId))?.name;
    } catch {
      return undefined;
    }
  }

  async #fetch(userId: string): Promise<ChatProfile | undefined> {
    let profile: ChatProfile | undefined;
    try {
      const { user } = await this.#client.users.info({ user: userId });
      profile = user?.id ? toProfile(user) : undefined;
    } catch (error) {
      const code = platformErrorCode(error);
      if (code !== 'user_not_found' && code !== 'user_not_visible') throw error;
    }
    return profile;
  }
}

type SlackUser = NonNullable<webApi.UsersInfoResponse['user']>;

function toProfile(user: SlackUser): ChatProfile {
  const profile = user.profile ?? {};
  // Slack's own order for showing a person: display name, then real name, then the handle.
  const name = profile.display_name?.trim() || profile.real_name?.trim() || user.real_name || user.name || '';
  return {
    id: user.id ?? '',
    name: name || (user.id ?? ''),
    ...(profile.email ? { email: profile.email } : {}),
    ...(profile.phone ? { phone: profile.phone } : {}),
    ...(user.deleted ? { deleted: true } : {}),
    ...(user.is_bot ? { isBot: true } : {}),
  };
}
