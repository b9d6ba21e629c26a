-- A seeded contact found by its email (bench/seed.lua gives contact N person<N>@example.com),
-- N random in 1..BENCH_SEED: BENCH_EMAIL_MODE=path is GET /v1/contacts/{email}?id_property=email,
-- list is GET /v1/contacts?email={email}.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")

local key = os.getenv("BENCH_KEY")
local count = tonumber(os.getenv("BENCH_SEED"))
local list = os.getenv("BENCH_EMAIL_MODE") == "list"

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local email = string.format("person%d%%40example.com", math.random(count))
  local path = list and ("/v1/contacts?email=" .. email)
                    or ("/v1/contacts/" .. email .. "?id_property=email")
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. key})
end
