/**
 * People, not ids: what relay/ may ask of the Fxiaoke address book and of the chat front door's
 * user profiles, and how a chat user is mapped to a Fxiaoke employee. No network code here; the
 * adapters (src/fxiaoke/directory.ts, src/slack/api/profiles.ts) implement these interfaces.
 */

/** One employee as the Fxiaoke address book lists them. */
export interface FxiaokePerson {
  openUserId: string;
  name: string;
  nickName?: string;
  email?: string;
  mobile?: string;
  /** CRM employee id, when the address book gives one. */
  employeeId?: string;
  /** Left the company or disabled: Fxiaoke refuses messages to them. */
  isStop: boolean;
}

export interface PeopleDirectory {
  /** Everyone whose e-mail matches, ignoring case; departed employees included (callers decide). */
  findByEmail(email: string): Promise<FxiaokePerson[]>;
  /** Everyone with this mobile number (digits only); departed employees included. */
  findByMobile(mobile: string): Promise<FxiaokePerson[]>;
  /** The address-book entries of these openUserIds or employee ids; ids it does not list are absent. */
  findByIds(ids: readonly string[]): Promise<Map<string, FxiaokePerson>>;
  /** Active employees matching the query (typeahead); never departed ones. */
  search(query: string, limit: number): Promise<FxiaokePerson[]>;
  /** Starts loading in the background, when a caller knows lookups are coming. */
  warm?(): void;
}

/** What the chat front door knows about one of its users (Slack: users.info). */
export interface ChatProfile {
  id: string;
  /** Display name, else real name, else user name. */
  name: string;
  email?: string;
  phone?: string;
  deleted?: boolean;
  isBot?: boolean;
}

export interface ChatProfiles {
  /** Undefined when the chat does not know the user; throws when the lookup itself failed. */
  get(userId: string): Promise<ChatProfile | undefined>;
}

export type PersonMapping = { ok: true; fxiaokeId: string } | { ok: false; who: string; reason: string };

const LEFT = 'has left the company (disabled in Fxiaoke), so Fxiaoke would refuse the message';
const HOW_TO_MAP = 'an fx-bridge admin can map them under slackUsers in the config file';

/**
 * Slack profile phones are free text (`+86 138-0000-0001`, `(138) 0000 0001`); Fxiaoke keeps
 * mainland mobiles as 11 bare digits. Digits only, and a leading China country code dropped.
 */
export function normalizeMobile(phone: string): string | undefined {
  let digits = phone.replace(/\D/g, '');
  if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2);
  else if (digits.length === 15 && digits.startsWith('0086')) digits = digits.slice(4);
  return digits.length >= 5 ? digits : undefined;
}

/**
 * A chat user → one active Fxiaoke employee: by profile e-mail over the address book, then by
 * profile phone (getByMobile). Several active matches are refused rather than guessed.
 */
export async function mapChatUser(
  userId: string,
  label: string | undefined,
  people: PeopleDirectory,
  profiles: ChatProfiles,
): Promise<PersonMapping> {
  let profile: ChatProfile | undefined;
  try {
    profile = await profiles.get(userId);
  } catch (error) {
    return {
      ok: false,
      who: `@${label || userId}`,
      reason: `their Slack profile could not be read (${why(error)})`,
    };
  }
  const who = `@${profile?.name || label || userId}`;
  if (!profile) return { ok: false, who, reason: 'Slack does not know this user' };
  if (profile.isBot) return { ok: false, who, reason: 'is a bot, not a Fxiaoke employee' };
  if (profile.deleted) return { ok: false, who, reason: 'is deactivated in Slack' };

  let departed = false;
  try {
    for (const lookup of candidateLookups(profile, people)) {
      const found = await lookup();
      const active = found.filter((person) => !person.isStop);
      if (active.length === 1 && active[0]) return { ok: true, fxiaokeId: active[0].openUserId };
      if (active.length > 1) {
        return { ok: false, who, reason: `matches ${active.length} Fxiaoke employees; ${HOW_TO_MAP}` };
      }
      departed ||= found.length > 0;
    }
  } catch (error) {
    return { ok: false, who, reason: `the Fxiaoke address book could not be searched (${why(error)})` };
  }
  if (departed) return { ok: false, who, reason: LEFT };
  if (!profile.email && !profile.phone) {
    return {
      ok: false,
      who,
      reason: `their Slack profile shows no e-mail or phone to find them in Fxiaoke by; ${HOW_TO_MAP}`,
    };
  }
  return {
    ok: false,
    who,
    reason: `no Fxiaoke employee has their Slack e-mail or phone; ${HOW_TO_MAP}`,
  };
}

function candidateLookups(profile: ChatProfile, people: PeopleDirectory): (() => Promise<FxiaokePerson[]>)[] {
  const lookups: (() => Promise<FxiaokePerson[]>)[] = [];
  const email = profile.email?.trim();
  if (email) lookups.push(() => people.findByEmail(email));
  const mobile = profile.phone ? normalizeMobile(profile.phone) : undefined;
  if (mobile) lookups.push(() => people.findByMobile(mobile));
  return lookups;
}

/** The departed among resolved ids, by what the address book says; unknown ids pass. */
export function departedAmong(
  ids: readonly string[],
  known: ReadonlyMap<string, FxiaokePerson>,
): { id: string; who: string; reason: string }[] {
  return ids.flatMap((id) => {
    const person = known.get(id);
    return person?.isStop ? [{ id, who: `${person.name} (${id})`, reason: LEFT }] : [];
  });
}

function why(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 160 ? `${message.slice(0, 159)}…` : message;
}
