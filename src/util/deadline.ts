/**
 * A promise against a clock: its outcome if it settles within `ms`, else `{ inTime: false }`. The
 * timer is always cleared, so a settled race leaves nothing that keeps the process alive, and the
 * work itself is never cancelled: it carries on for whoever still holds it. A rejection in time
 * rejects; a rejection after the deadline is handled here (it would otherwise be unhandled).
 */
export type DeadlineOutcome<T> = { inTime: true; value: T } | { inTime: false };

export async function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<DeadlineOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ inTime: false }), ms);
  });
  try {
    return await Promise.race([work.then((value): DeadlineOutcome<T> => ({ inTime: true, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
