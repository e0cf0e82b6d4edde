/** What the fake employees have received: the emulator's accepted sends, per employee. */
import type { FxiaokeEmulator } from '../fakes/fxiaoke-emulator.js';

export interface InboxEntry {
  content: string;
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
          content: message.content,
          revoked: message.revoked,
          traceId: message.traceId,
          at: message.at,
        })),
    }));
}
