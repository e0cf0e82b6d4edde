/**
 * `/media/upload` (the .NET SDK) and `/media/upload/message` (the doc page "Upload Message
 * Material Files") in the emulator, as the .NET SDK and the doc's curl send them: `type` (and in
 * legacy style `corpAccessToken`/`corpId`) in the QUERY STRING, the file as multipart part `media`
 * with a file name that has an extension; images at most 5 MB, jpg/jpeg/png/gif/bmp. A `type` sent
 * only as a form field is refused. Answers `{errorCode: 0, mediaId}` (or under `data`, or without
 * one; see MediaIdLocation).
 */
import type { EmulatedMedia } from './types.js';

export interface UploadedFile {
  field: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

/** A parsed multipart/form-data body. */
export interface UploadedForm {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Parses a multipart body with the platform's own parser; undefined when it is malformed. */
export async function parseMultipart(raw: Buffer, contentType: string): Promise<UploadedForm | undefined> {
  try {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const parsed: UploadedForm = { fields: {}, files: [] };
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') parsed.fields[field] = value;
      else
        parsed.files.push({
          field,
          fileName: value.name,
          contentType: value.type,
          bytes: Buffer.from(await value.arrayBuffer()),
        });
    }
    return parsed;
  } catch {
    return undefined;
  }
}

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const IMAGE_EXTENSION = /\.(jpe?g|png|gif|bmp)$/i;

/** What an upload request lacks, or undefined when it is complete. */
export function uploadProblem(form: UploadedForm, query: Record<string, string>): string | undefined {
  const type = query.type;
  if (type === undefined || type.trim() === '') {
    return form.fields.type === undefined
      ? 'type is required (query string)'
      : 'type must be in the query string, not a form field';
  }
  const media = form.files.find((file) => file.field === 'media');
  if (!media) return 'media (the file) is required';
  if (media.bytes.length === 0) return 'media is empty';
  if (!/\.[A-Za-z0-9]+$/.test(media.fileName)) return 'the file name needs an extension';
  if (type === 'image') {
    if (!IMAGE_EXTENSION.test(media.fileName)) return 'an image must be jpg, jpeg, png, gif or bmp';
    if (media.bytes.length > MAX_IMAGE_BYTES) return 'an image may be at most 5 MB';
  }
  return undefined;
}

export function storeMedia(
  library: EmulatedMedia[],
  form: UploadedForm,
  query: Record<string, string>,
  details: { mediaId: string; traceId: string; thirdTraceId: string; at: number },
): EmulatedMedia {
  const media = form.files.find((file) => file.field === 'media');
  if (!media) throw new Error('storeMedia: check uploadProblem first');
  const entry: EmulatedMedia = {
    ...details,
    type: query.type ?? '',
    fileName: media.fileName,
    contentType: media.contentType,
    bytes: media.bytes,
  };
  library.push(entry);
  return entry;
}
