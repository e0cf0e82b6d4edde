/** zod schemas for every Fxiaoke response the bridge reads. Unknown fields pass through. */
import { z } from 'zod';

/** Every response: `errorCode` 0 means success; errors are HTTP 200 too. */
export const envelopeSchema = z.looseObject({
  errorCode: z.coerce.number().int(),
  errorMessage: z.string().nullish(),
  errorDescription: z.string().nullish(),
  traceId: z.string().nullish(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const headerTokenSchema = z.looseObject({
  accessToken: z.string().min(1),
  expiresIn: z.coerce.number().positive(),
  ea: z.string().min(1),
});

export const legacyTokenSchema = z.looseObject({
  corpAccessToken: z.string().min(1),
  corpId: z.string().min(1),
  expiresIn: z.coerce.number().positive(),
});

const messageIdValue = z.union([z.string().min(1), z.number()]);

/** Where a service-account send may carry its message id (an open point): each place read on its own. */
export const topMessageIdSchema = z.looseObject({ messageId: messageIdValue.nullish() });
export const dataMessageIdSchema = z.looseObject({
  data: z.looseObject({ messageId: messageIdValue.nullish() }),
});

/** Where an upload answer may carry its mediaId (undocumented): each place read on its own. */
export const topMediaIdSchema = z.looseObject({ mediaId: messageIdValue.nullish() });
export const dataMediaIdSchema = z.looseObject({
  data: z.looseObject({ mediaId: messageIdValue.nullish() }),
});
