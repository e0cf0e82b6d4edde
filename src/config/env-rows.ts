/**
 * The pieces the environment table (env.ts) is written with: the kinds of value a variable holds
 * (each a zod schema over the trimmed, non-blank text) and the three kinds of row — required, with a
 * default, optional. A check's messages follow the variable's name ("PORT must be …"), which the
 * error adds, and never contain the value: several variables are secrets.
 */
import { z } from 'zod';
import { readSecretKey } from '../secrets/secret-box.js';
import { readStoreUrl } from '../store/location.js';

/** A variable's value as read: trimmed and never blank (a blank one counts as unset). */
export type Check<T> = z.ZodType<T, string>;

/** One row of the table: the variable's schema and what the configuration page says of it. */
export interface EnvRow<T> {
  schema: z.ZodType<T, string | undefined>;
  /** The value when unset; undefined for none, or one derived from other variables (`docs.default`). */
  default: T | undefined;
  /** Never shown: cut out of every problem, should a message ever hold it. */
  secret: boolean;
  /** The row of docs/configuration.md: its required, default and meaning columns. */
  docs: { required: string; default: string; meaning: string };
  /** Set on the variables single-workspace mode requires: where their value comes from. */
  singleWorkspace?: { notSet: string };
}

/** Anything, as given. */
export const text: Check<string> = z.string();

/** A value that `problemOf` has nothing to say about. */
export function passing(problemOf: (value: string) => string | undefined): Check<string> {
  return z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function wholeNumber(min: number, max: number): Check<number> {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
}

/** One of a few words; the message lists them (`must be "socket" or "http"`) unless given. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  message = `must be ${orList(values.map((value) => `"${value}"`))}`,
): Check<V[number]> {
  return z.enum(values, message);
}

function orList(items: string[]): string {
  const last = items.at(-1) ?? '';
  return items.length === 1 ? last : `${items.slice(0, -1).join(', ')} or ${last}`;
}

/** `true` or `false`. */
export const flag: Check<boolean> = oneOf(['true', 'false']).transform((value) => value === 'true');

export function matching(pattern: RegExp, message: string): Check<string> {
  return z.string().regex(pattern, message);
}

/**
 * A value that starts with `prefix` (tokens, app ids) and is not the placeholder `.env.example`
 * ships with: those pass the prefix check, and a copied but unfilled `.env` would otherwise get as
 * far as Slack or Fxiaoke and fail there with an opaque API error.
 */
export function prefixed(prefix: string, placeholder?: string): Check<string> {
  return passing((value) => {
    // Naming the value is safe: it is the placeholder itself, never what the operator typed.
    if (value === placeholder) return placeholderProblem(placeholder);
    return value.startsWith(prefix) ? undefined : `must start with ${prefix}`;
  });
}

export function placeholderProblem(placeholder: string): string {
  return `is still the placeholder from .env.example (${placeholder}): replace it with your real value`;
}

/** An http(s) URL, normalised by `tidy` (trailing slashes). */
export function httpUrl(example: string, tidy: (url: string) => string): Check<string> {
  return passing((value) =>
    isHttpUrl(value) ? undefined : `must be an http(s) URL such as ${example}`,
  ).transform(tidy);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A comma-separated list of Fxiaoke error codes (integers, possibly negative). */
export const codeList: Check<number[]> = passing((value) =>
  value.split(',').every((part) => /^-?\d{1,9}$/.test(part.trim()))
    ? undefined
    : 'must be a comma-separated list of Fxiaoke error codes, e.g. 90404,90409',
).transform((value) => value.split(',').map((part) => Number(part.trim())));

/** Comma-separated http(s) origins (scheme, host, port; no path), normalised without a trailing slash. */
export const originList: Check<string[]> = passing((value) =>
  value.split(',').every((part) => isOrigin(part.trim()))
    ? undefined
    : 'must be a comma-separated list of origins such as https://open.fxiaoke.com (no path)',
).transform((value) => value.split(',').map((part) => new URL(part.trim()).origin));

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/+$/, '')
    );
  } catch {
    return false;
  }
}

/** FX_BRIDGE_SECRET_KEY: 32 bytes in hex or base64 (secrets/secret-box.ts reads it). */
export const secretKey: Check<string> = passing((value) => {
  const read = readSecretKey(value);
  return 'problem' in read ? read.problem : undefined;
});

/** A STORE_URL that names a store fx-bridge knows (store/location.ts); the problem never holds it. */
export const storeUrl: Check<string> = passing((value) => {
  const read = readStoreUrl(value);
  return 'problem' in read ? read.problem : undefined;
});

interface RowOptions {
  /** What the page says of a default worked out from other variables (see toConfig in config.ts). */
  defaultText?: string;
  /** Required column of an optional variable that other variables make necessary ("HTTP mode"). */
  requiredWhen?: string;
  secret?: boolean;
}

/** A variable that must be set; `notSet` says where its value comes from. */
export function required<T>(
  check: Check<T>,
  notSet: string,
  meaning: string,
  options: RowOptions = {},
): EnvRow<T> {
  return {
    schema: z.string(`is not set: ${notSet}`).pipe(check),
    default: undefined,
    secret: options.secret ?? false,
    docs: { required: 'yes', default: '—', meaning },
  };
}

/**
 * A variable single-workspace mode requires and install mode (SLACK_CLIENT_ID without
 * SLACK_BOT_TOKEN) does without: each workspace brings its own. env.ts checks it is set when the
 * mode needs it, with the same sentence `required` gives.
 */
export function requiredForOneWorkspace<T>(
  check: Check<T>,
  notSet: string,
  meaning: string,
  options: RowOptions = {},
): EnvRow<T | undefined> {
  return {
    schema: check.optional(),
    default: undefined,
    secret: options.secret ?? false,
    docs: { required: 'yes, but not in install mode', default: '—', meaning },
    singleWorkspace: { notSet },
  };
}

/** A variable with a default, stated here and nowhere else (DEFAULTS in config.ts reads it). */
export function setting<T>(
  check: Check<T>,
  fallback: NoInfer<T>,
  meaning: string,
  options: RowOptions = {},
): EnvRow<T> & { default: T } {
  return {
    // zod's own default: an unset variable takes it, untouched by the check.
    schema: check.default(fallback as z.util.NoUndefined<T>),
    default: fallback,
    secret: options.secret ?? false,
    docs: { required: 'no', default: options.defaultText ?? `\`${String(fallback)}\``, meaning },
  };
}

/** A variable that may be unset; its default, if any, depends on other variables (`defaultText`). */
export function optional<T>(
  check: Check<T>,
  meaning: string,
  options: RowOptions = {},
): EnvRow<T | undefined> {
  return {
    schema: check.optional(),
    default: undefined,
    secret: options.secret ?? false,
    docs: { required: options.requiredWhen ?? 'no', default: options.defaultText ?? '—', meaning },
  };
}
