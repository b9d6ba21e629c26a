// A webhook receiver for the benchmark: answers every POST 200 at once and counts deliveries
// (all, and distinct webhook-ids). GET /count answers {"received": N, "distinct": M}. No
// signature checks: the tests prove those (tests/webhook_receiver); this measures the sender.
//   node bench/webhook_sink.js PORT
const http = require("node:http");

const port = Number(process.argv[2] || 0);
let received = 0;
const ids = new Set();

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ received, distinct: ids.size }));
    return;
  }
  req.on("data", () => {});
  req.on("end", () => {
    received += 1;
    ids.add(req.headers["webhook-id"]);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
});
server.keepAliveTimeout = 120000;
server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
