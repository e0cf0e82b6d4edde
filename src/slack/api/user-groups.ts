/**
 * Members of Slack user groups (`usergroups.users.list`, scope `usergroups:read`), for
 * `access.send.userGroups`. Cached for PEOPLE_CACHE_TTL_SECONDS like profiles, one request per
 * group in flight. A failure is not cached and rejects, so access fails closed; a group Slack does
 * not know (deleted, disabled, a typo) has no members, which is an answer, not a failure.
 */
import type { webApi } from '@slack/bolt';
import type { GroupMembers } from '../../relay/access.js';
import type { RelayLog } from '../../relay/deps.js';
import { TtlCache } from '../../util/ttl-cache.js';
import { platformErrorCode } from '../errors.js';

const NO_SUCH_GROUP = new Set(['no_such_subteam', 'subteam_not_found']);

export class SlackUserGroups {
  readonly #client: webApi.WebClient;
  readonly #log: Pick<RelayLog, 'warn' | 'error'>;
  readonly #cache: TtlCache<string, ReadonlySet<string>>;

  constructor(
    client: webApi.WebClient,
    log: Pick<RelayLog, 'warn' | 'error'>,
    ttlMs: number,
    now: () => number = Date.now,
  ) {
    this.#client = client;
    this.#log = log;
    this.#cache = new TtlCache({ ttlMs, now });
  }

  /** The lookup access.ts takes. */
  readonly members: GroupMembers = (groupId) => this.#cache.get(groupId, (id) => this.#fetch(id));

  async #fetch(groupId: string): Promise<ReadonlySet<string>> {
    let members: ReadonlySet<string>;
    try {
      const answer = await this.#client.usergroups.users.list({ usergroup: groupId });
      members = new Set(answer.users ?? []);
    } catch (error) {
      const code = platformErrorCode(error);
      if (!code || !NO_SUCH_GROUP.has(code)) {
        const hint =
          code === 'missing_scope'
            ? 'the app lacks the usergroups:read scope (add it from manifest.yml and reinstall)'
            : 'senders who need it are refused until Slack answers';
        this.#log.error({ err: error, userGroup: groupId }, `user group members could not be read: ${hint}`);
        throw error;
      }
      this.#log.warn(
        { userGroup: groupId, code },
        'user group in access.send.userGroups does not exist (or is disabled): it has no members',
      );
      members = new Set();
    }
    return members;
  }
}
