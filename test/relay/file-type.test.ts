import { describe, expect, it } from 'vitest';
import { detectFile, imageFormatOf, looksLikeHtml, mayBeImage } from '../../src/relay/file-type.js';

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);

const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
const JPEG = bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46);
const GIF = text('GIF89a\x01\x00\x01\x00');
const WEBP = new Uint8Array([...text('RIFF'), 0x24, 0, 0, 0, ...text('WEBPVP8 ')]);
/** What Slack serves at url_private to a token without files:read (shortened). */
const SLACK_SIGN_IN = `<!DOCTYPE html>
<html lang="en-US" class="">
<head><meta charset="utf-8"><title>Slack</title></head>
<body class="">Sign in to Slack</body></html>`;

describe('detectFile: the bytes decide', () => {
  it.each([
    ['PNG', PNG, 'png', 'image/png'],
    ['JPEG', JPEG, 'jpeg', 'image/jpeg'],
    ['GIF87a', text('GIF87a....'), 'gif', 'image/gif'],
    ['GIF89a', GIF, 'gif', 'image/gif'],
    ['WebP', WEBP, 'webp', 'image/webp'],
  ])('recognises %s by its signature', (_label, data, format, mimetype) => {
    expect(detectFile(data, 'application/octet-stream')).toEqual({ kind: 'image', format, mimetype });
  });

  it("an image signature wins over a wrong Content-Type (the server's claim)", () => {
    expect(detectFile(PNG, 'text/html')).toMatchObject({ kind: 'image', format: 'png' });
  });

  it("tells Slack's sign-in page apart, by body and by Content-Type", () => {
    expect(detectFile(text(SLACK_SIGN_IN), 'image/png')).toEqual({ kind: 'html' });
    expect(detectFile(text(SLACK_SIGN_IN), undefined)).toEqual({ kind: 'html' });
    expect(detectFile(text('not really html'), 'text/html; charset=utf-8')).toEqual({ kind: 'html' });
  });

  it.each([
    ['lower case', '<html><body>x</body></html>'],
    ['BOM and white space', '\uFEFF \n\t<!doctype HTML><html>'],
    ['a bare head', '<head><title>x</title></head>'],
  ])('finds HTML with %s', (_label, body) => {
    expect(looksLikeHtml(text(body), undefined)).toBe(true);
  });

  it('calls everything else "other": PDFs, SVG, HEIC, truncated signatures, empty files', () => {
    expect(detectFile(text('%PDF-1.7\n'), 'application/pdf')).toEqual({ kind: 'other' });
    expect(detectFile(text('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')).toEqual({
      kind: 'other',
    });
    expect(detectFile(new Uint8Array([0, 0, 0, 0x18, ...text('ftypheic')]), 'image/heic')).toEqual({
      kind: 'other',
    });
    expect(imageFormatOf(PNG.subarray(0, 4))).toBeUndefined();
    expect(imageFormatOf(text('RIFF\x24\x00\x00\x00WAVE'))).toBeUndefined();
    expect(detectFile(new Uint8Array(), undefined)).toEqual({ kind: 'other' });
  });
});

describe('mayBeImage: whether a download is worth it', () => {
  it("trusts Slack's mimetype when there is one, the extension only without", () => {
    expect(mayBeImage('cat.png', 'image/png')).toBe(true);
    expect(mayBeImage('report.pdf', 'application/pdf')).toBe(false);
    // A name is no proof either way when Slack says what it is.
    expect(mayBeImage('photo.png', 'application/pdf')).toBe(false);
    expect(mayBeImage('scan', 'image/jpeg')).toBe(true);
    expect(mayBeImage('IMG_0001.JPG', undefined)).toBe(true);
    expect(mayBeImage('notes.txt', undefined)).toBe(false);
  });
});
