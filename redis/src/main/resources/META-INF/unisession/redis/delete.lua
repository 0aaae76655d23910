-- KEYS[1] hash, KEYS[2] its tombstone, ARGV[1] tombstone ms, ARGV[2] operation id, ARGV[3] the principal sets' key
-- prefix ('' in a Redis Cluster, where the set is on another slot), ARGV[4] the id: deletes the hash and takes the
-- id out of its principal's set, leaves the tombstone (holding the operation id, so that a resend of this delete
-- still answers that it deleted).
local p = ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'p')
local n = redis.call('DEL', KEYS[1])
if p then redis.call('SREM', ARGV[3] .. p, ARGV[4]) end
if n == 0 and redis.call('GET', KEYS[2]) == ARGV[2] then n = 1 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[1])
return n
