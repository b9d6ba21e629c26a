-- New contacts, each with a unique email and external_id: BENCH_BATCH unset or 0 is one
-- POST /v1/contacts per request; BENCH_BATCH=N is POST /v1/contacts/batch with N create
-- operations (atomic). The bodies are the seed's (bench/seed.lua), so a batch's contacts/s
-- compares with single POSTs of the same contacts. The emails carry a random run token, so
-- rounds and threads never collide with each other or with the seeded contacts. Each contact
-- has its own phone number (+1 415 555 0000-9999): libphonenumber's check of it is the largest
-- single cost of a create. BENCH_PHONE=0 leaves the phone out, to show that cost.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")

local key = os.getenv("BENCH_KEY")
local batch = tonumber(os.getenv("BENCH_BATCH") or "0")
local with_phone = os.getenv("BENCH_PHONE") ~= "0"
local token = ""
local n = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  token = string.format("%08x", math.random(0, 0x7fffffff))
end

local function contact()
  n = n + 1
  local phone = with_phone and string.format('"phone":"+1415555%04d",', n % 10000) or ""
  return string.format(
    '{"first_name":"First%d","last_name":"Last%d","email":"new%s-%d@example.com",%s' ..
    '"company":"Example Corp","title":"Engineer",' ..
    '"tags":["new","n%d"],"notes":"created for the benchmark, created for the benchmark, ' ..
    'created for the benchmark, created for the benchmark","external_id":"new-%s-%d"}',
    n, n, token, n, phone, n % 16, token, n)
end

local headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}

function request()
  if batch == 0 then return wrk.format("POST", "/v1/contacts", headers, contact()) end
  local ops = {}
  for i = 1, batch do ops[i] = '{"op":"create","body":' .. contact() .. '}' end
  local body = '{"atomic":true,"operations":[' .. table.concat(ops, ",") .. ']}'
  return wrk.format("POST", "/v1/contacts/batch", headers, body)
end
