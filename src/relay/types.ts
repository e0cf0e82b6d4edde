/**
 * The relay record: the durable map from a Slack message to the Fxiaoke messages it produced.
 * Pure data, shared by relay/ (which writes it) and store/ (which keeps it).
 */

/** What an edit or delete of a relayed message does (`sync.edits`, `sync.deletes`; relay/sync.ts). */
export type SyncMode = 'ask' | 'auto' | 'off';

export interface SyncSettings {
  edits: SyncMode;
  deletes: SyncMode;
  /**
   * A burst of edits is acted on once the Slack message has been quiet this long (ms), as one
   * update or one question with the last text; 0 acts on each edit at once (relay/waiting-change.ts).
   */
  quietMs: number;
}

/** A channel routed to Fxiaoke (config `routes`, relay/route.ts). */
export interface RouteSettings {
  /** Recipients, as in /fx-send. */
  to: string[];
  /** `all`: every new top-level message a person posts; `reaction`: a message someone reacts to. */
  forward: 'all' | 'reaction';
  /** The emoji name that relays a message (`forward: reaction`). */
  reaction: string;
}

/** Identifies one Slack message; unique across the store. */
export interface SlackMessageRef {
  teamId: string;
  channelId: string;
  ts: string;
}

/**
 * Where a relay is in its life. What each status means, whether it is work in progress, and what
 * may start from it (a revoke, an update, retention) are one table: LIFECYCLE in relay/lifecycle.ts.
 */
export type RelayStatus =
  | 'received'
  | 'pending'
  | 'sent'
  | 'partial'
  | 'failed'
  | 'revoking'
  | 'revoked'
  | 'unknown'
  | 'held'
  | 'cancelled'
  | 'confirmed'
  | 'syncing'
  | 'changed';

export const RELAY_STATUSES: readonly RelayStatus[] = [
  'received',
  'pending',
  'sent',
  'partial',
  'failed',
  'revoking',
  'revoked',
  'unknown',
  'held',
  'cancelled',
  'confirmed',
  'syncing',
  'changed',
];

/**
 * What one call did. `unknown`: it may have been delivered (relay/copies.ts MAY_HAVE_BEEN_DELIVERED):
 * never retried automatically, since that could deliver twice.
 */
export type BatchStatus = 'pending' | 'sent' | 'failed' | 'unknown' | 'revoked';

/** What Fxiaoke said when a call failed, kept so the user and support can see it later. */
export interface RelayError {
  /** Fxiaoke errorCode, or undefined for transport failures (timeouts, resets, non-JSON). */
  code?: number;
  /** Stable machine name of the failure, e.g. `recipient_not_found`, `transport`. */
  kind: string;
  /** Human text, already safe to show (never contains secrets). */
  message: string;
  traceId?: string;
}

/** What one Fxiaoke message call did, and its revoke: shared by a batch's text and its extra messages. */
export interface RelayMessageState {
  status: BatchStatus;
  /** The `thirdTraceId` we generated for the send call (recorded before the call). */
  thirdTraceId: string;
  /** Fxiaoke's traceId for the send call. */
  traceId?: string;
  /** Fxiaoke message id, when the response carried one (service-account sends only). */
  messageId?: string;
  error?: RelayError;
  /**
   * Set in a store write once the rate budget granted the call and right before its request
   * leaves (the client's `beforeDispatch`): a `pending` message with it may have reached Fxiaoke
   * (never sent again), one without it certainly did not (safe to send), even if it was queued.
   */
  dispatchedAt?: number;
  sentAt?: number;
  revokedAt?: number;
  revokeTraceId?: string;
  revokeError?: RelayError;
  /**
   * Set in a store write right before a revoke request for this message leaves, removed in the
   * write that records its answer: a message still `sent` with it may have been revoked by a call
   * whose answer nobody recorded (a kill -9, a replica taken over), so it is uncertain
   * (copies.ts isRevokeUncertain) and a later refusal does not make "not revoked" true.
   */
  revokeDispatchedAt?: number;
}

/** One Fxiaoke call: at most 500 recipients. Its own fields describe the text message. */
export interface RelayBatch extends RelayMessageState {
  index: number;
  /** Resolved openUserIds (or employee ids) sent in this batch. */
  recipients: string[];
  /**
   * Messages sent to the same recipients after the text, in order: the images as `articles`
   * (at most 7 each). Absent on relays without images and on records older than this field.
   */
  extraMessages?: RelayExtraMessage[];
}

export interface RelayExtraMessage extends RelayMessageState {
  kind: 'articles';
  /** Indexes into `RelayRecord.attachments` of the images this message carries. */
  attachments: number[];
}

/**
 * `pending`   not looked at yet.
 * `uploaded`  an image, uploaded to Fxiaoke once as `mediaId`; the articles messages carry it.
 * `listed`    not an image: named in the text instead.
 * `failed`    meant as an image but not downloadable or not uploadable: named in the text instead.
 */
export type AttachmentStatus = 'pending' | 'uploaded' | 'listed' | 'failed';

/** A file of the relayed Slack message and what became of it. */
export interface RelayAttachment {
  /** Slack file id, e.g. `F0123ABC`. */
  fileId?: string;
  name: string;
  /** What Slack says the file is: a hint for what to download; the bytes decide. */
  mimetype?: string;
  /** Slack's `url_private`: downloaded with the bot token. Absent when Slack gave none. */
  url?: string;
  status: AttachmentStatus;
  /** The upload's answer (`uploaded` only). */
  mediaId?: string;
  uploadTraceId?: string;
  /** Why it was not forwarded as an image, a clause safe to show: "is not an image". */
  reason?: string;
  /** Fxiaoke's answer when the upload failed. */
  error?: RelayError;
}

export interface RelayRecord {
  /** Relay id, e.g. `rl_01J…`; stable, shown to users and support. */
  id: string;
  /**
   * Unique key of the request that created the relay (`command:<team>:<trigger_id>`,
   * `message:<team>:<channel>:<ts>`, …). A second delivery of the same request finds the first
   * record instead of sending twice.
   */
  requestKey: string;
  /**
   * The Slack message this relay is keyed by (the receipt for `/fx-send`, the original message
   * for the message shortcut). Unique when set; unset only in the moment between claiming the
   * request and posting the receipt.
   */
  slack?: SlackMessageRef;
  /** Slack user id of the sender. */
  senderId: string;
  /** Channel where the request was made (for DM fallback and telling the sender later). */
  originChannelId: string;
  /** The message text as typed in Slack (before attribution). */
  text: string;
  /** The exact content sent to Fxiaoke (after attribution). */
  content: string;
  /** Recipients as the user typed them. */
  recipientsInput: string[];
  /** Recipients as resolved Fxiaoke ids, de-duplicated, in order. */
  recipients: string[];
  /**
   * The departments named (`dept:…`, also through an alias or a route), as resolved at send time:
   * their members are in `recipients`, so a revoke or an update reaches the same people later.
   */
  departments?: RelayDepartment[];
  /** Service account used to send; undefined for plain `/cgi/message/send` (not revocable). */
  serviceId?: string;
  batches: RelayBatch[];
  /** Files of the relayed Slack message, in Slack's order (absent: none, or an older record). */
  attachments?: RelayAttachment[];
  /**
   * How each batch's message goes out: `text` (absent on older records) or `card` (a composite
   * message, see relay/card.ts). Every send of the relay honours it: a resumed batch, an update.
   */
  format?: RelayFormat;
  /** What a card relay's card needs besides its text; set before its first batch goes out. */
  card?: RelayCard;
  status: RelayStatus;
  /**
   * Why the relay failed as a whole (first batch error, or a pre-send failure); for `held` and
   * `cancelled`, why nothing was sent (who cannot be reached, who cancelled). The status decides.
   */
  error?: RelayError;
  createdAt: number;
  updatedAt: number;
  revokedBy?: string;
  revokedAt?: number;
  /** What the front door took in (status `received`), kept until the relay is carried out. */
  intake?: RelayIntake;
  /** Who is working on the relay right now, and until when (see relay/lease.ts). */
  lease?: RelayLease;
  /**
   * Where the request came from; fixed at creation. Set on every record the bridge writes, and by
   * the store migration on older ones; absent only where a request key names no door (records
   * made by hand). Read it through `sourceOf` (relay/ids.ts).
   */
  source?: RelaySource;
  /** A revoke asked for and not finished (status `revoking`): who asked, for the answer after a takeover. */
  revokeRequest?: { actorId: string; requestedAt: number; previousStatus: RelayStatus };
  /** Earlier versions of the relay, oldest first; the record's own text and batches are the current one (relay/update.ts). */
  versions?: RelayVersion[];
  /** An update asked for and not finished: the revoke of the current copies, then the send of `text`. */
  updateRequest?: UpdateRequest;
  /** What the bridge knows of later edits and deletes of the Slack message (relay/sync.ts). */
  sync?: RelaySync;
  /**
   * Edits and deletes of the Slack message as they arrive: the newest edit seen, and a change
   * recorded but not acted on yet (relay/waiting-change.ts). Apart from `sync`, so a write of a
   * question or an update (which rewrites `sync`) never drops a change recorded meanwhile.
   */
  slackChanges?: SlackChanges;
  /**
   * Work ended and its sender has not been told yet: set in the same write as the final status,
   * cleared once told. A process killed in between leaves it for a takeover (relay/owed.ts), so the
   * outcome is always heard. Stores index it (`RelayStore.listOwed`).
   */
  owed?: OwedAnswer;
  /**
   * Install mode: the installation the relay belongs to (`T:<team>`, or `E:<enterprise>` for an
   * org-wide install; installs/port.ts installationKey). Fixed at creation; a workspace's store
   * view (store/tenant-store.ts) sees only its own. Absent in the single-workspace mode.
   */
  installation?: string;
}

/**
 * What a sender is owed, and who tells it. `send`: the outcome of a send (the receipt, or the
 * answer); `held`: the question whether to send to the reachable recipients; `recovered`: the
 * notice that fx-bridge was interrupted during the send, written by the takeover that resumed it;
 * `revoke`: the outcome of a revoke, to whoever asked (`to`), and the receipt brought up to date;
 * `update`: the outcome of an update (the new text sent, or the question whether to send a second
 * copy), to whoever asked (`to`), and the receipt brought up to date.
 */
export interface OwedAnswer {
  kind: 'send' | 'held' | 'recovered' | 'revoke' | 'update';
  /** Who is told, when not the relay's sender (whoever asked for the revoke or the update). */
  to?: string;
  /** The process telling it, as a lease: past `until`, any live process may tell it instead. */
  owner: string;
  until: number;
  /** When the work ended (epoch ms); identifies this answer when it is cleared. */
  since: number;
}

/**
 * When an edit was made, as Slack says: the message's `edited.ts` (whole seconds in practice) and
 * the `event_ts` of its `message_changed` event, which orders edits made within one second.
 */
export interface EditStamp {
  editedTs?: string;
  eventTs?: string;
}

export interface SlackChanges {
  /**
   * The newest edit recorded, whatever became of it (acted on, asked about, left, still waiting):
   * an edit not newer than this one is stale and changes nothing, after a restart too.
   */
  newestEdit?: EditStamp;
  /** A change recorded and not acted on yet. */
  waiting?: WaitingChange;
}

/**
 * An edit (the last of a burst) or a delete of the Slack message, recorded before the ack and
 * acted on once the burst is over (`sync.quietMs` after `lastAt`) and the relay is free.
 */
export interface WaitingChange {
  kind: 'edit' | 'delete';
  /** Edits: the text to act on, the burst's last. */
  text?: string;
  /** Edits: when that text was made. */
  edit?: EditStamp;
  /** How many edits the burst had (one update, one question for all of them). */
  edits: number;
  /** When the burst's first and last change were recorded (epoch ms). */
  firstAt: number;
  lastAt: number;
  /** Status `changed` only: the status the relay had, which the change acts from. */
  previousStatus?: RelayStatus;
}

/** A department a relay was sent to, and how many people it stood for then (relay/departments.ts). */
export interface RelayDepartment {
  id: number;
  name: string;
  /** Its active members with those of its sub-departments, each counted once. */
  people: number;
  /** Members who left the company (isStop): not sent to, only counted. */
  departed: number;
}

/** A version of a relay replaced by an update: what went out, and what became of it. */
export interface RelayVersion {
  /** 1 for the first send, 2… for each update. */
  number: number;
  text: string;
  content: string;
  batches: RelayBatch[];
  /** When this version went out (the relay's createdAt for version 1). */
  sentAt: number;
  /** When the next version replaced it. */
  replacedAt: number;
}

export interface UpdateRequest {
  actorId: string;
  requestedAt: number;
  /** The new text, as typed in Slack (before attribution). */
  text: string;
  /** The sender agreed to a second copy: old copies that cannot be revoked stay in Fxiaoke. */
  secondCopy: boolean;
  /** Why: an edit event (`auto`), a click on Update, or the manual update in the compose window. */
  via: 'auto' | 'button' | 'manual';
  previousStatus: RelayStatus;
  /** The offer answered, kept so a refused revoke can offer the second copy again. */
  offerId?: string;
  /** The edit this text comes from (auto, or the offer's): when Slack says it was made. */
  edit?: EditStamp;
  /** How many edits in Slack this one update stands for (a burst); absent: one. */
  edits?: number;
}

/** An edit or delete the sender was (or is being) asked about. */
export interface SyncOffer {
  /** Unique per offer: buttons carry it, so an old button cannot answer a newer question. */
  id: string;
  kind: 'edit' | 'delete';
  /** The edited text (edits only). */
  text?: string;
  /** The text the relay had when the edit arrived (shown as "before"). */
  previousText?: string;
  offeredAt: number;
  /** Set once the question reached the sender. */
  notifiedAt?: number;
  /** Status of the relay before `syncing` (restored after the question is posted). */
  previousStatus?: RelayStatus;
  /** Edits: when Slack says the offered text was made. */
  edit?: EditStamp;
  /** Edits: how many edits in Slack the question stands for (a burst); absent: one. */
  edits?: number;
}

export interface RelaySync {
  /** Event ids already acted on (the latest few): a redelivery of one causes nothing. */
  seenEvents: string[];
  /** The open question, if any. */
  offer?: SyncOffer;
  /** The Slack message was deleted (epoch ms): the App Home says "deleted in Slack". */
  deletedAt?: number;
}

export type RelayFormat = 'text' | 'card';

/**
 * The fixed parts of a card relay's composite message; the body is the relay's `content`, so an
 * update of the text sends the new text in the same card.
 */
export interface RelayCard {
  /** `head.title`: names the sender and the channel. */
  title: string;
  /** `link.url`: the Slack message's permalink, or (no message to point at) its channel. */
  url: string;
  /** What the link opens: the relayed Slack message, or only its channel. */
  linkTo: 'message' | 'channel';
}

/** The front door a relay came through; decides where its receipt and answers go. */
export type IntakeDoor = 'command' | 'compose' | 'message';

/**
 * What started a relay: the door, and for a relay of an existing Slack message that message and
 * which send of it this is. Stores index `slack`, so every relay of one message is one query
 * (`RelayStore.listBySource`).
 */
export interface RelaySource {
  door: IntakeDoor;
  /** The Slack workspace of the request ('' where the request did not say). */
  teamId: string;
  /** The Slack message relayed (door `message` only). */
  slack?: SlackMessageRef;
  /** A deliberate second, third, … send of that message: 2, 3, …; absent on the first. */
  repeat?: number;
}

/**
 * A request as the front door took it in, before anything slow ran: enough for any process to
 * carry it out after a crash. Never holds a token or a response_url.
 */
export interface RelayIntake {
  door: IntakeDoor;
  teamId: string;
  senderName: string;
  channelName?: string;
  /** The Slack message a message relay is keyed by once it goes out. */
  slack?: SlackMessageRef;
  /** Set when the sender confirmed sending to the reachable recipients of a held relay. */
  confirmedBy?: string;
  /** A relay of a message that already has one: "send #n of it" in the answer. */
  repeat?: number;
  /** The relayed message is a thread reply (said in the answer). */
  threadReply?: boolean;
  /** Relayed by a channel route (config `routes`, relay/route.ts) rather than by a person's request. */
  route?: RelayRoute;
  receivedAt: number;
}

/**
 * How a routed relay came about. Its sender is the message's author (named in Fxiaoke; may revoke
 * it; their edits follow it). Who answers for it (access, send limit, failures told) is the author
 * for `all`, the person who reacted for `reaction` (relay/route.ts `responsibleFor`).
 */
export interface RelayRoute {
  forward: 'all' | 'reaction';
  /** `reaction`: who added the emoji; may revoke it too. */
  reactorId?: string;
  /** Users mentioned in the text whose names were not at hand before the ack: named when carried out. */
  unnamed?: string[];
  /** `reaction`: the message's text is read from Slack when carried out (the event has none). */
  unread?: boolean;
}

export interface RelayLease {
  /** The process (instance id) working on it. */
  owner: string;
  /** Epoch ms; past it, any live process may take the work over. */
  until: number;
}

/** Fields `update` may change; everything else is fixed at creation. */
export type RelayChange = Partial<
  Pick<
    RelayRecord,
    | 'slack'
    | 'status'
    | 'batches'
    | 'error'
    | 'revokedBy'
    | 'revokedAt'
    | 'content'
    | 'attachments'
    | 'format'
    | 'card'
    | 'text'
    | 'recipientsInput'
    | 'recipients'
    | 'departments'
    | 'serviceId'
    | 'intake'
    | 'lease'
    | 'revokeRequest'
    | 'versions'
    | 'updateRequest'
    | 'sync'
    | 'slackChanges'
    | 'owed'
  >
>;
