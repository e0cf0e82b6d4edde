/**
 * What a downloaded file really is, from its first bytes. A file's name, Slack's mimetype and the
 * download's Content-Type are only claims: without `files:read` Slack answers `url_private` with
 * its HTML sign-in page (HTTP 200), which must never reach Fxiaoke as an "image".
 */

/** The image formats forwarded to Fxiaoke; anything else is listed by name. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type DetectedFile =
  | { kind: 'image'; format: ImageFormat; mimetype: string }
  /** An HTML page: Slack's sign-in page, or an error page, where a file was expected. */
  | { kind: 'html' }
  | { kind: 'other' };

const MIMETYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((byte, index) => bytes[offset + index] === byte);
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

/**
 * An HTML document: a `text/html` Content-Type, or a body that opens (after a byte-order mark and
 * white space) with `<!DOCTYPE html`, `<html` or `<head`, in any case.
 */
export function looksLikeHtml(bytes: Uint8Array, contentType: string | undefined): boolean {
  if (/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? '')) return true;
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, 512))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head');
}

/** The bytes decide: an image signature wins over any claim; then HTML; then "something else". */
export function detectFile(bytes: Uint8Array, contentType: string | undefined): DetectedFile {
  const format = imageFormatOf(bytes);
  if (format) return { kind: 'image', format, mimetype: MIMETYPES[format] };
  if (looksLikeHtml(bytes, contentType)) return { kind: 'html' };
  return { kind: 'other' };
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp|heic|heif|bmp|tiff?|svg)$/i;

/**
 * Whether a file is worth downloading to see if it is an image: Slack calls it `image/…`, or,
 * without a mimetype, its name says so. Only a hint; `detectFile` has the last word.
 */
export function mayBeImage(name: string, mimetype: string | undefined): boolean {
  if (mimetype) return mimetype.toLowerCase().startsWith('image/');
  return IMAGE_EXTENSIONS.test(name);
}
