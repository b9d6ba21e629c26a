-- The peer's own PATCH script (PEER_DIR/patch.lua: random ids of its 100,000 seeded rows, its
-- key, a 188-byte body), reporting through report.lua like every other scenario.
dofile(os.getenv("PEER_DIR") .. "/patch.lua")
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")
