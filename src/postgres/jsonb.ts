/**
 * JSON in and out of `jsonb` columns. jsonb refuses the NUL character (U+0000) in a string, yet a
 * Slack message may carry one and the store must give back exactly what it was given. So a string
 * holding NUL goes in as `{"$nul": [the parts between the NULs]}` and comes back joined. Records
 * have no object with that key of their own (every key of a record is fixed by its type), so the
 * box cannot be mistaken for data.
 */

const BOX = '$nul';

/** JSON text for a jsonb parameter. */
export function toJsonb(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' && item.includes('\u0000') ? { [BOX]: item.split('\u0000') } : item,
  );
}

/** A jsonb value as pg hands it over (text), parsed, with boxed strings joined again. */
export function fromJsonb(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => (isBox(item) ? item[BOX].join('\u0000') : item));
}

function isBox(item: unknown): item is { [BOX]: string[] } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  const keys = Object.keys(item);
  const parts = (item as Record<string, unknown>)[BOX];
  return (
    keys.length === 1 &&
    keys[0] === BOX &&
    Array.isArray(parts) &&
    parts.length > 1 &&
    parts.every((part) => typeof part === 'string')
  );
}
