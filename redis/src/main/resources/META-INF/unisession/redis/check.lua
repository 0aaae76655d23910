-- KEYS[1] the generation marker, then keys; ARGV[1] this node's generation: -4 / -2 as generationCheck
-- (RedisStore), else how many of the keys exist.
--#include generation-check KEYS[1] ARGV[1] ep
local n = 0
for i = 2, #KEYS do n = n + redis.call('EXISTS', KEYS[i]) end
return n
