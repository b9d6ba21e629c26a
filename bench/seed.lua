-- POST /v1/contacts until BENCH_SEED contacts were created (a few more may land: the requests
-- in flight when the count is reached), writing each new id to BENCH_IDS_OUT and its email's
-- number N (person<N>@example.com) to BENCH_IDS_OUT.emails. Run with -t1: the counter and the
-- files belong to the one thread's Lua state.
local key = os.getenv("BENCH_KEY")
local target = tonumber(os.getenv("BENCH_SEED"))
local out = nil
local sent, created, failed = 0, 0, 0

local emails = nil

function init(args)
  out = assert(io.open(os.getenv("BENCH_IDS_OUT"), "w"))
  emails = assert(io.open(os.getenv("BENCH_IDS_OUT") .. ".emails", "w"))
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"first_name":"First%d","last_name":"Last%d","email":"person%d@example.com",' ..
    '"phone":"+14155552671","company":"Example Corp","title":"Engineer",' ..
    '"tags":["seed","s%d"],"notes":"seeded for the benchmark, seeded for the benchmark, ' ..
    'seeded for the benchmark, seeded for the benchmark","external_id":"ext-%d"}',
    sent, sent, sent, sent % 16, sent)
  return wrk.format("POST", "/v1/contacts",
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    if id then
      out:write(id, "\n")
      created = created + 1
      local n = body:match('"email":"person(%d+)@')
      if n then emails:write(n, "\n") end
    end
  else
    failed = failed + 1
  end
  if created >= target or failed > 100 then
    out:flush()
    emails:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"seconds":%.1f,"non_2xx":%d}\n', summary.requests,
    summary.duration / 1e6, summary.errors.status))
end
