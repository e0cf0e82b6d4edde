/** An in-memory `AttachmentFetcher` for relay/ tests, and the files and requests the tests use. */
import type { AttachmentFetcher, AttachmentRef, FetchedFile } from '../../src/relay/attachments.js';
import type { SendRequest } from '../../src/relay/carry-out.js';

export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 7, 7]);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);
export const SIGN_IN_PAGE = new TextEncoder().encode(
  '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>',
);

/** Answers by url: a file, a failure, or an Error to throw; unknown urls answer HTTP 404. */
export class FakeFiles implements AttachmentFetcher {
  readonly fetched: AttachmentRef[] = [];
  constructor(private readonly answers: Record<string, FetchedFile | Error> = {}) {}

  async fetch(ref: AttachmentRef): Promise<FetchedFile> {
    this.fetched.push(ref);
    const answer = this.answers[ref.url ?? ''];
    if (answer instanceof Error) throw answer;
    return answer ?? { ok: false, reason: 'Slack answered HTTP 404' };
  }
}

export function served(bytes: Uint8Array, contentType: string): FetchedFile {
  return { ok: true, bytes, contentType };
}

export const CAT: AttachmentRef = { fileId: 'F0CAT', name: 'cat.png', mimetype: 'image/png', url: 'u:cat' };
export const DOG: AttachmentRef = { fileId: 'F0DOG', name: 'dog.jpg', mimetype: 'image/jpeg', url: 'u:dog' };
export const REPORT: AttachmentRef = {
  fileId: 'F0PDF',
  name: 'report.pdf',
  mimetype: 'application/pdf',
  url: 'u:pdf',
};
/** An image whose download answers Slack's sign-in page (no files:read). */
export const LOCKED: AttachmentRef = {
  fileId: 'F0LOCK',
  name: 'photo.png',
  mimetype: 'image/png',
  url: 'u:locked',
};

export function standardFiles(): FakeFiles {
  return new FakeFiles({
    'u:cat': served(PNG, 'image/png'),
    'u:dog': served(JPEG, 'image/jpeg'),
    'u:pdf': served(new TextEncoder().encode('%PDF-1.7'), 'application/pdf'),
    'u:locked': served(SIGN_IN_PAGE, 'text/html; charset=utf-8'),
  });
}

export function fileRequest(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    requestKey: 'message:T0TEST:C0GENERAL:1700000000.000100',
    senderId: 'U0SENDER',
    senderName: 'bob',
    originChannelId: 'C0GENERAL',
    channelName: 'general',
    recipientsInput: ['FSUID_A1'],
    text: 'Photos from the site visit',
    attachments: [CAT],
    ...overrides,
  };
}
