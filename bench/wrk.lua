-- 90 % of requests read the session's three attributes, 10 % change one; each request uses a random one of the
-- sessions whose cookies the seed step wrote (one Cookie header a line; the file is the script's argument).
local cookies = {}

function init(args)
  for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
  math.randomseed(os.time() + (args[2] and tonumber(args[2]) or 0))
end

function request()
  local path = (math.random(10) == 1) and "/bench?op=write" or "/bench?op=read"
  return wrk.format("GET", path, { ["Cookie"] = cookies[math.random(#cookies)] })
end

function done(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %.1f\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration / 1e6))
end
