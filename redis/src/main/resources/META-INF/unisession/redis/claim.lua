-- KEYS[1] expiry index shard, ARGV[1] id, ARGV[2] now: removes the id only if it is still due; 1 if it did. With
-- KEYS[2] the hash and KEYS[3] its tombstone (ARGV[3] tombstone ms), the claim also takes the hash, as take.lua
-- does, and answers its fields (empty when not due, claimed by another node, or gone).
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then
  if KEYS[2] then return {} end
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
if not KEYS[2] then return 1 end
--#include take-hash KEYS[2] KEYS[3] ARGV[3]
