-- wrk script for benches/dashboard.sh: each request takes the next path of the file named by
-- $WRK_PATHS (one path a line; every wrk thread starts at its own place in the list), and at
-- the end one line is printed for the script to read:
--   RESULT requests seconds p50_ms p90_ms p99_ms max_ms errors
-- where errors counts connect/read/write errors, timeouts and answers other than 2xx/3xx.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local i = 0
local threads = 0
-- What a browser sends (wrk sends no Accept-Encoding of its own); empty: none.
local accept = os.getenv("ACCEPT_ENCODING")
if accept and accept ~= "" then wrk.headers["Accept-Encoding"] = accept end

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  i = (offset or 0) * 7 % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %.3f %.2f %.2f %.2f %.2f %d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors))
end
