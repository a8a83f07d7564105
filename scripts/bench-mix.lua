-- wrk script: requests taken in turn from the file named by the PATHS environment variable
-- (its lines are already random draws of the mix; see bench-mix.py), or a single path in
-- ONE_PATH, and a report with p50/p99/p99.9 and non-2xx counts.
-- ACCEPT_ENCODING, when set and not empty, is sent as the accept-encoding header (browsers and
-- most HTTP libraries send "gzip, deflate, br").
-- CLIENTS=N (N > 0) sends each request as one of N client addresses in X-Forwarded-For (the
-- server trusts 127.0.0.1 as a proxy), so per-client rate limits see many clients, as in
-- production; FORWARDED_FOR=ADDR sends every request as that one client (the abuser).
-- WRK_THREADS=N, the -t given to wrk, splits the requests between its threads: thread k keeps
-- every N-th one. Together they send the same requests, and each Lua state holds 1/N of them.
local paths = {}
if os.getenv("ONE_PATH") then
  paths[1] = os.getenv("ONE_PATH")
else
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
end
local clients = tonumber(os.getenv("CLIENTS") or "0")
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
-- Every request is formatted once, in each thread's init, so that wrk spends its time on the
-- server's answers rather than on Lua (formatting a request per call cost wrk a fifth of the
-- mix's throughput). With ONE_PATH and CLIENTS, the one path is sent as CLIENTS clients.
-- Each thread keeps only its share, and the path list is freed once formatted: with all 400,000
-- formatted requests and paths in every thread's Lua state, LuaJIT took 16-44 % of wrk's CPU
-- (perf), against 3-8 % with each thread's half; that CPU was the server's on a 2-core machine.
local requests = {}
init = function(args)
  local headers = {}
  local encoding = os.getenv("ACCEPT_ENCODING")
  if encoding and encoding ~= "" then headers["Accept-Encoding"] = encoding end
  local forwarded = os.getenv("FORWARDED_FOR")
  if forwarded and forwarded ~= "" then headers["X-Forwarded-For"] = forwarded end
  local count = math.max(#paths, #paths == 1 and clients or 0)
  local share = math.max(1, tonumber(os.getenv("WRK_THREADS") or "1"))
  if count < share then share = 1 end
  for i = 1, count do
    if (i - 1) % share == id % share then
      if clients > 0 then
        local c = (i * 104729) % clients
        headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(c / 65536), math.floor(c / 256) % 256, c % 256)
      end
      requests[#requests + 1] = wrk.format("GET", paths[(i - 1) % #paths + 1], headers)
    end
  end
  paths = nil
  collectgarbage("collect")
end
counter = 0
request = function()
  counter = counter + 1
  return requests[counter % #requests + 1]
end
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, summary.requests, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
