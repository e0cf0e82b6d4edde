/**
 * `/media/upload` in the emulator. The V2 docs do not describe it (an open point): this follows
 * what public SDKs send — multipart/form-data with a `type` field and the file as `media`, the
 * token in the headers (header style) or as `corpAccessToken`/`corpId` fields (legacy style) —
 * and answers `{errorCode: 0, mediaId}` (or under `data`, or without one; see MediaIdLocation).
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

/** What an upload request lacks, or undefined when it is complete. */
export function uploadProblem(form: UploadedForm): string | undefined {
  const type = form.fields.type;
  if (type === undefined || type.trim() === '') return 'type is required';
  const media = form.files.find((file) => file.field === 'media');
  if (!media) return 'media (the file) is required';
  if (media.bytes.length === 0) return 'media is empty';
  return undefined;
}

export function storeMedia(
  library: EmulatedMedia[],
  form: UploadedForm,
  details: { mediaId: string; traceId: string; thirdTraceId: string; at: number },
): EmulatedMedia {
  const media = form.files.find((file) => file.field === 'media');
  if (!media) throw new Error('storeMedia: check uploadProblem first');
  const entry: EmulatedMedia = {
    ...details,
    type: form.fields.type ?? '',
    fileName: media.fileName,
    contentType: media.contentType,
    bytes: media.bytes,
  };
  library.push(entry);
  return entry;
}
