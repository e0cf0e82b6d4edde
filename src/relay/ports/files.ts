/**
 * What relay/ asks of the front door for the files of a relayed message: a port the Slack adapter
 * implements with the bot token (slack/api/files.ts); attachments.ts uses it.
 */

/** A file as the front door hands it over (from the Slack message). */
export interface AttachmentRef {
  fileId?: string;
  name: string;
  mimetype?: string;
  url?: string;
}

export type FetchedFile =
  | { ok: true; bytes: Uint8Array; contentType: string | undefined }
  /** `reason` completes "the download failed: …", e.g. "it is larger than 10 MB". */
  | { ok: false; reason: string };

/** Downloads a file of the relayed message. Implemented outside relay/ (Slack, with the bot token). */
export interface AttachmentFetcher {
  fetch(ref: AttachmentRef): Promise<FetchedFile>;
}
