-- A seeded contact found by its email: N random among the numbers bench/seed.lua wrote to
-- BENCH_EMAILS (contact N is person<N>@example.com). BENCH_EMAIL_MODE=path is
-- GET /v1/contacts/{email}?id_property=email, list is GET /v1/contacts?email={email}.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")

local key = os.getenv("BENCH_KEY")
local numbers = {}
local list = os.getenv("BENCH_EMAIL_MODE") == "list"

function init(args)
  for line in io.lines(os.getenv("BENCH_EMAILS")) do numbers[#numbers + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local email = "person" .. numbers[math.random(#numbers)] .. "%40example.com"
  local path = list and ("/v1/contacts?email=" .. email)
                    or ("/v1/contacts/" .. email .. "?id_property=email")
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. key})
end
