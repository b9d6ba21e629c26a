-- A consumer of the change log per wrk thread (run it with as many connections as threads):
-- each follows GET /v1/events?limit=1000 from the start, page after page through next_cursor,
-- and starts again at the end. Prints the JSON line of report.lua plus events/s.
local key = os.getenv("BENCH_KEY")
local threads = {}
cursor = nil
events = 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  local path = "/v1/events?limit=1000"
  if cursor then path = path .. "&after=" .. cursor end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. key})
end

function response(status, headers, body)
  if status ~= 200 then return end
  local _, n = body:gsub('"id":"evt_', "")
  events = events + n
  if n == 0 then
    cursor = nil  -- the end of the log: from the start again
  else
    cursor = body:match('"next_cursor":"([^"]*)"')
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("events") end
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
              summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"events_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.requests / secs, total / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad))
end
