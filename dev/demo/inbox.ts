/** What the fake employees have received: the emulator's accepted sends, per employee. */
import type { EmulatedCard, FxiaokeEmulator } from '../fakes/fxiaoke-emulator.js';

export interface InboxEntry {
  /** What the employee reads; a card as its title, body, rows and link, one per line. */
  content: string;
  /** Set for a card (`msgType: "composite"`). */
  card?: EmulatedCard;
  revoked: boolean;
  traceId: string;
  at: number;
}

export interface Employee {
  name: string;
  employeeId: string | undefined;
  openUserId: string;
  inbox: InboxEntry[];
}

export function inboxes(emulator: FxiaokeEmulator): Employee[] {
  return emulator.users
    .filter((user) => !user.isStop)
    .map((user) => ({
      name: user.name,
      employeeId: user.employeeId,
      openUserId: user.openUserId,
      // The bridge may address a person by openUserId or by employee id: both are this person.
      inbox: emulator.messages
        .filter((message) =>
          message.toUser.some(
            (to) => to === user.openUserId || (user.employeeId !== undefined && to === user.employeeId),
          ),
        )
        .map((message) => ({
          content: message.card ? cardText(message.card) : message.content,
          ...(message.card ? { card: message.card } : {}),
          revoked: message.revoked,
          traceId: message.traceId,
          at: message.at,
        })),
    }));
}

/** A card as plain lines: `[card] title`, the body, the form rows, the remark, `→ link: url`. */
export function cardText(card: EmulatedCard): string {
  return [
    `[card] ${card.head.title}`,
    card.first?.content,
    ...(card.form ?? []).map((row) => `${row.label}: ${row.value}`),
    card.remark?.content,
    `→ ${card.link.title}: ${card.link.url}`,
  ]
    .filter((line): line is string => Boolean(line))
    .join('\n');
}
