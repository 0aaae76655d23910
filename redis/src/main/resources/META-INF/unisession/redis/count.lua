-- KEYS the expiry index's shards, ARGV[1] now: how many ids in them expire after now.
local n = 0
local after = '(' .. ARGV[1]
for _, k in ipairs(KEYS) do n = n + redis.call('ZCOUNT', k, after, '+inf') end
return n
