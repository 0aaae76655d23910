-- KEYS[1] hash, KEYS[2] its tombstone; with indexing also KEYS[3] the expiry index, KEYS[4] the generation marker
-- and, optionally, KEYS[5] the principal's set. ARGV: mode ('u' update; 'c' create; 'n' create of a new session,
-- whose id no other node can have cached: no change notice unless an earlier epoch's hash was replaced), pexpireat
-- (0 = no TTL: a create sets none, an update removes one a hash may carry), operation id, epoch (or the generation
-- this node adopted, epoch:nonce: see generation-check.lua; -4 when Redis lost it), n, index ('' = the
-- caller updates the indexes and publishes itself, as in a Redis Cluster where they live on other slots; '0' = the
-- session never expires; else its expiry score), the session id, the change channel, the change message, the
-- delta's base version, g, then g field/digest pairs (the attributes the write is built on: each must still hold
-- the bytes whose SHA-1 is given, '' for none, unless the hash is still at the base version; else -3 and nothing is
-- written), then n field/value pairs, then fields to delete. A hash from an earlier epoch counts as absent (it is
-- deleted first); one from a later epoch is not written (-2: this node is behind). Returns the new version when
-- applied, 0 when the session does (not) exist as required or, for a create, was deleted moments ago. The operation
-- id is kept in the hash (o): a resend of the write that was applied last (its reply was lost) returns that write's
-- version instead of applying it again (its index updates ran with it), so a version rises by exactly one per
-- write. A create writes its fields, version (v given among them, plus one) and operation id in one HSET and
-- deletes nothing (the hash is new): a new anonymous session costs five commands (EVALSHA, two EXISTS, HSET, ZADD).
-- One script, one round trip, and no batch machinery on the client.
--#include generation-check KEYS[4] ARGV[4] ep
local exists = redis.call('EXISTS', KEYS[1])
local wiped = false
if exists == 1 then
  local e = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
  if e < ep then redis.call('DEL', KEYS[1]) exists = 0 wiped = true elseif e > ep then return -2 end
end
if exists == 1 and redis.call('HGET', KEYS[1], 'o') == ARGV[3] then
  return tonumber(redis.call('HGET', KEYS[1], 'v'))
end
local create = ARGV[1] ~= 'u'
if (create and exists == 1) or (not create and exists == 0) then return 0 end
if create and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local g = tonumber(ARGV[11])
local i = 12
if g > 0 and (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[10] then
  for j = i, i + 2 * g - 1, 2 do
    local now = redis.call('HGET', KEYS[1], ARGV[j])
    if (now and redis.sha1hex(now) ~= ARGV[j + 1]) or (not now and ARGV[j + 1] ~= '') then return -3 end
  end
end
i = i + 2 * g
local n = tonumber(ARGV[5])
local kv = {}
local v = 0
for j = i, i + 2 * n - 1, 2 do
  if create and ARGV[j] == 'v' then v = tonumber(ARGV[j + 1])
  else kv[#kv + 1] = ARGV[j] kv[#kv + 1] = ARGV[j + 1] end
end
i = i + 2 * n
kv[#kv + 1] = 'o' kv[#kv + 1] = ARGV[3]
if create then
  v = v + 1
  kv[#kv + 1] = 'v' kv[#kv + 1] = string.format('%d', v)
  redis.call('HSET', KEYS[1], unpack(kv))
else
  redis.call('HSET', KEYS[1], unpack(kv))
  if #ARGV >= i then
    local del = {}
    for j = i, #ARGV do del[#del + 1] = ARGV[j] end
    redis.call('HDEL', KEYS[1], unpack(del))
  end
  v = redis.call('HINCRBY', KEYS[1], 'v', 1)
end
local exp = tonumber(ARGV[2])
if exp > 0 then redis.call('PEXPIREAT', KEYS[1], exp) elseif not create then redis.call('PERSIST', KEYS[1]) end
if ARGV[6] ~= '' then
  if ARGV[6] == '0' then redis.call('ZREM', KEYS[3], ARGV[7])
  else redis.call('ZADD', KEYS[3], ARGV[6], ARGV[7]) end
  if KEYS[5] then redis.call('SADD', KEYS[5], ARGV[7]) end
  if ARGV[1] ~= 'n' or wiped then redis.call('PUBLISH', ARGV[8], ARGV[9]) end
end
return v
