-- PATCH /v1/contacts/{id} with a small change to a random seeded contact.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")

local ids = {}
local key = os.getenv("BENCH_KEY")
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local body = string.format(
    '{"title":"Engineer %d","notes":"benchmark update %d","tags":["bench","t%d"]}',
    counter, counter, counter % 10)
  return wrk.format("PATCH", "/v1/contacts/" .. id,
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end
