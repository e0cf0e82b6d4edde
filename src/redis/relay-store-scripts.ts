/**
 * Key layout and Lua scripts of the Redis store. Every write is one script, so Redis runs it
 * atomically with respect to every other client: uniqueness and compare-and-set hold across
 * processes without locks.
 *
 * Lua never builds or re-encodes JSON (cjson turns `[]` into `{}` and rounds numbers to 14
 * digits); the record JSON is made in TypeScript and only compared and stored here.
 */

import type { RelayStatus, SlackMessageRef } from '../relay/types.js';
import { lua } from './script.js';

/**
 * `<p>relay:<id>`                  string, the record as JSON (the source of truth)
 * `<p>req:<requestKey>`            string, relay id
 * `<p>msg:<team>:<channel>:<ts>`   string, relay id (':' and '%' in a part are %-escaped)
 * `<p>sender:<slackUserId>`        sorted set, member relay id, score createdAt
 * `<p>status:<status>`             sorted set, member relay id, score createdAt
 * `<p>src:<team>:<channel>:<ts>`   sorted set of the relays whose `source.slack` is that message,
 *                                  member relay id, score createdAt (parts escaped as in msg:)
 * `<p>owed`                        sorted set of the relays whose sender is owed an answer (`owed`),
 *                                  member relay id, score createdAt
 * `<p>schema`                      string, the record shape version every relay is in ('2'),
 *                                  written once a store that had relays migrated them all
 *
 * Scripts reach `<p>relay:<id>` of an id they read from an index, a key not declared up front:
 * fine on a single Redis (or a replicated one), not on Redis Cluster.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Prefix of the record keys, passed to scripts that follow an index to a record. */
  get relayPrefix(): string {
    return `${this.prefix}relay:`;
  }

  relay(id: string): string {
    return `${this.relayPrefix}${id}`;
  }

  request(requestKey: string): string {
    return `${this.prefix}req:${requestKey}`;
  }

  message(ref: SlackMessageRef): string {
    return `${this.prefix}msg:${escapePart(ref.teamId)}:${escapePart(ref.channelId)}:${escapePart(ref.ts)}`;
  }

  sender(slackUserId: string): string {
    return `${this.prefix}sender:${slackUserId}`;
  }

  status(status: RelayStatus): string {
    return `${this.prefix}status:${status}`;
  }

  source(ref: SlackMessageRef): string {
    return `${this.prefix}src:${escapePart(ref.teamId)}:${escapePart(ref.channelId)}:${escapePart(ref.ts)}`;
  }

  get owed(): string {
    return `${this.prefix}owed`;
  }

  get schema(): string {
    return `${this.prefix}schema`;
  }
}

function escapePart(part: string): string {
  // Keeps the three parts apart (as the memory store's JSON key does) while real ids stay readable.
  return part.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/**
 * KEYS relay, request, sender, status[, message][, source], owed;
 * ARGV json, id, score, relayPrefix, hasMessage, hasSource, isOwed ('1' or '0').
 * → {'created'} | {'exists', json} | {'id_taken'}
 */
export const CREATE = lua(`
local function existing(id)
  return {'exists', redis.call('GET', ARGV[4] .. id) or ''}
end
local n = 5
local message, source
if ARGV[5] == '1' then message = KEYS[n]; n = n + 1 end
if ARGV[6] == '1' then source = KEYS[n] end
local owner = redis.call('GET', KEYS[2])
if owner then return existing(owner) end
if message then
  owner = redis.call('GET', message)
  if owner then return existing(owner) end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'id_taken'} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
if message then redis.call('SET', message, ARGV[2]) end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
if source then redis.call('ZADD', source, ARGV[3], ARGV[2]) end
if ARGV[7] == '1' then redis.call('ZADD', KEYS[#KEYS], ARGV[3], ARGV[2]) end
return {'created'}
`);

/**
 * Compare-and-set on the whole record: writes `next` only if the stored JSON is still exactly the
 * `current` the caller read (and checked `expected` against), then moves the indexes.
 * KEYS relay, oldStatus, newStatus[, oldMessage][, newMessage], owed;
 * ARGV currentJson, nextJson, id, score, relayPrefix, hasOldMessage, hasNewMessage, isOwed ('1' or '0').
 * → {'ok'} | {'missing'} | {'changed'} | {'taken', ownerJson}
 */
export const UPDATE = lua(`
local stored = redis.call('GET', KEYS[1])
if not stored then return {'missing'} end
if stored ~= ARGV[1] then return {'changed'} end
local id = ARGV[3]
local n = 4
local oldMessage, newMessage
if ARGV[6] == '1' then oldMessage = KEYS[n]; n = n + 1 end
if ARGV[7] == '1' then newMessage = KEYS[n] end
if newMessage then
  local owner = redis.call('GET', newMessage)
  if owner and owner ~= id then return {'taken', redis.call('GET', ARGV[5] .. owner) or ''} end
end
redis.call('SET', KEYS[1], ARGV[2])
if oldMessage and oldMessage ~= newMessage and redis.call('GET', oldMessage) == id then
  redis.call('DEL', oldMessage)
end
if newMessage then redis.call('SET', newMessage, id) end
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[3], ARGV[4], id)
end
if ARGV[8] == '1' then
  redis.call('ZADD', KEYS[#KEYS], ARGV[4], id)
else
  redis.call('ZREM', KEYS[#KEYS], id)
end
return {'ok'}
`);

/**
 * Deletes a record and its index entries if it is still exactly `json`. With only two keys (the
 * caller found no record) it drops the dangling status entry instead.
 * KEYS relay, status[, request, sender[, message][, source], owed];
 * ARGV json, id[, hasMessage, hasSource ('1' or '0')].
 * → 'deleted' | 'missing' | 'changed'
 */
export const DELETE = lua(`
local id = ARGV[2]
local stored = redis.call('GET', KEYS[1])
if not stored then
  redis.call('ZREM', KEYS[2], id)
  return 'missing'
end
if stored ~= ARGV[1] or #KEYS < 4 then return 'changed' end
local n = 5
local message, source
if ARGV[3] == '1' then message = KEYS[n]; n = n + 1 end
if ARGV[4] == '1' then source = KEYS[n] end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], id)
if redis.call('GET', KEYS[3]) == id then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[4], id)
if message and redis.call('GET', message) == id then redis.call('DEL', message) end
if source then redis.call('ZREM', source, id) end
redis.call('ZREM', KEYS[#KEYS], id)
return 'deleted'
`);

/**
 * The record migration of one relay (store/record-migration.ts): writes `next` only if the stored
 * JSON is still exactly `current`, moving its status entry and adding its source entry with it, so
 * two processes migrating at once (or a write in between) never lose or double an index entry.
 * KEYS relay, oldStatus, newStatus[, source]; ARGV currentJson, nextJson, id, score.
 * → 'ok' | 'missing' | 'changed'
 */
export const MIGRATE = lua(`
local stored = redis.call('GET', KEYS[1])
if not stored then return 'missing' end
if stored ~= ARGV[1] then return 'changed' end
local id = ARGV[3]
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[3], ARGV[4], id)
end
if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[4], id) end
return 'ok'
`);

/** KEYS index; ARGV relayPrefix. → the JSON the index points at, or nil. */
export const LOOKUP = lua(`
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`);

/**
 * The first `stop + 1` members of each sorted set (highest scores first when `rev` is '1'),
 * as record JSON, in one consistent snapshot; the caller merges and trims.
 * KEYS sorted sets; ARGV stop, rev, relayPrefix. → json[]
 */
export const LIST = lua(`
local out = {}
for _, key in ipairs(KEYS) do
  local ids
  if ARGV[2] == '1' then
    ids = redis.call('ZRANGE', key, 0, ARGV[1], 'REV')
  else
    ids = redis.call('ZRANGE', key, 0, ARGV[1])
  end
  for _, id in ipairs(ids) do
    local json = redis.call('GET', ARGV[3] .. id)
    if json then out[#out + 1] = json end
  end
end
return out
`);
