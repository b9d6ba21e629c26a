#!/usr/bin/env node
// A Standard Webhooks receiver for the API suite (tests/api/webhook_receiver.py drives it).
// It records every delivery and checks its signatures with the `standardwebhooks` package, the
// spec's official library, so contactsd's signing is proven by code we did not write.
//
//   node receiver.js --port 0 [--tls-cert FILE --tls-key FILE] [--exit-on-stdin-close]
//
// Listens on 127.0.0.1 (port 0: a free one) and prints exactly one line, {"port": N}, on stdout
// once listening; anything else goes to stderr. --exit-on-stdin-close: exit when stdin closes,
// so a receiver whose test process died does not outlive it.
//
// Control API (JSON in, JSON out; never recorded):
//   POST /_control/secrets   {"secrets": ["whsec_...", ...]}  the secrets to verify with
//   POST /_control/behaviour {"status": 500, "count": N | null, "delay_ms": 0, "headers": {}}
//        the next N deliveries (all when count is null) answer `status` after delay_ms, with
//        the extra response headers (e.g. retry-after); {"status": 200} restores normal
//   GET  /_control/received  the recorded deliveries, in arrival order
//   POST /_control/reset     clears the recorded deliveries (secrets and behaviour stay)
// Any other path is a delivery: recorded, then answered 200 "ok" (or as the behaviour says).
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const { Webhook } = require("standardwebhooks");

function parseArgs(argv) {
  const opts = { port: 0, tlsCert: null, tlsKey: null, exitOnStdinClose: false };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case "--port": opts.port = Number(value()); break;
      case "--tls-cert": opts.tlsCert = value(); break;
      case "--tls-key": opts.tlsKey = value(); break;
      case "--exit-on-stdin-close": opts.exitOnStdinClose = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage("bad --port");
  if (!opts.tlsCert !== !opts.tlsKey) usage("--tls-cert and --tls-key go together");
  return opts;
}

function usage(message) {
  process.stderr.write(`receiver: ${message}\nusage: node receiver.js --port N ` +
    "[--tls-cert FILE --tls-key FILE] [--exit-on-stdin-close]\n");
  process.exit(2);
}

// ---- state ---------------------------------------------------------------------------------

const NORMAL = { status: 200, count: null, delay_ms: 0, headers: {} };
let verifiers = [];  // one Webhook per configured secret, in the order given
let behaviour = { ...NORMAL };
let received = [];

// The answer for the delivery arriving now; a counted behaviour runs out into NORMAL.
function nextAnswer() {
  const answer = behaviour;
  if (answer.count !== null) {
    behaviour = answer.count > 1 ? { ...answer, count: answer.count - 1 } : { ...NORMAL };
  }
  return answer;
}

// Indexes of the secrets whose Webhook.verify accepts the delivery, and why the others do not
// (the reasons make a failing test readable: "No matching signature found", "too old"...).
function verify(body, headers) {
  const verifiedWith = [];
  const errors = [];
  verifiers.forEach((wh, i) => {
    try {
      wh.verify(body, headers);  // body as bytes: exactly what was signed, no re-encoding
      verifiedWith.push(i);
      errors.push(null);
    } catch (e) {
      errors.push(String(e && e.message ? e.message : e));
    }
  });
  return { verifiedWith, errors };
}

// ---- HTTP ----------------------------------------------------------------------------------

const RECORDED_HEADERS = ["webhook-id", "webhook-timestamp", "webhook-signature",
  "content-type", "user-agent"];

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json",
    "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function parseJson(body) {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function control(req, res, path, body) {
  const route = `${req.method} ${path}`;
  if (route === "GET /_control/received") return sendJson(res, 200, received);
  if (route === "POST /_control/reset") {
    received = [];
    return sendJson(res, 200, { ok: true });
  }
  const setters = { "POST /_control/secrets": setSecrets, "POST /_control/behaviour": setBehaviour };
  if (!setters[route]) return sendJson(res, 404, { error: `no control route ${route}` });
  const input = parseJson(body);
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return sendJson(res, 400, { error: "body must be a JSON object" });
  }
  return setters[route](res, input);
}

function setSecrets(res, input) {
  if (!Array.isArray(input.secrets)) return sendJson(res, 400, { error: "secrets: a list" });
  try {
    verifiers = input.secrets.map((s) => new Webhook(s));
  } catch (e) {
    return sendJson(res, 400, { error: `bad secret: ${e.message}` });
  }
  return sendJson(res, 200, { ok: true, count: verifiers.length });
}

function setBehaviour(res, input) {
  const status = input.status;
  const count = input.count === undefined ? null : input.count;
  const delayMs = input.delay_ms === undefined ? 0 : input.delay_ms;
  const headers = input.headers === undefined ? {} : input.headers;
  if (!Number.isInteger(status) || status < 100 || status > 599 ||
      !(count === null || (Number.isInteger(count) && count >= 0)) ||
      !(Number.isInteger(delayMs) && delayMs >= 0) ||
      typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return sendJson(res, 400, { error: "want {status: 100..599, count: int >= 0 | null, " +
      "delay_ms: int >= 0, headers: {name: value}}" });
  }
  // {"status": 200} alone is "normal"; a count of 0 concerns no delivery: normal too.
  behaviour = count === 0 ? { ...NORMAL } : { status, count, delay_ms: delayMs, headers };
  return sendJson(res, 200, { ok: true, behaviour });
}

function deliver(req, res, path, body) {
  const headers = {};
  for (const name of RECORDED_HEADERS) {
    headers[name] = req.headers[name] === undefined ? null : req.headers[name];
  }
  const text = body.toString("utf8");
  const json = parseJson(body);
  const { verifiedWith, errors } = verify(body, req.headers);
  const answer = nextAnswer();
  // Recorded on arrival, before any delay, so a test sees a delivery its sender gave up on.
  const record = {
    path,
    method: req.method,
    headers,
    body: text,
    json: json === undefined ? null : json,
    verified_with: verifiedWith,
    verify_errors: errors,
    answered: answer.status,
    received_at_ms: Date.now(),  // for retry back-off checks
    aborted: false,  // true when the client closed the connection before the answer went out
  };
  received.push(record);
  res.on("close", () => {
    if (!res.writableFinished) record.aborted = true;
  });
  const respond = () => {
    const reply = answer.status === 200 ? "ok" : `simulated ${answer.status}`;
    res.writeHead(answer.status, { ...answer.headers, "content-type": "text/plain",
      "content-length": Buffer.byteLength(reply) });
    res.end(reply);
  };
  if (answer.delay_ms > 0) setTimeout(respond, answer.delay_ms);
  else respond();
}

function handle(req, res) {
  // Read the whole body before answering: deliveries are a few KB and arrive in pieces.
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("error", (e) => process.stderr.write(`receiver: request error: ${e.message}\n`));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const path = req.url.split("?")[0];
    if (path.startsWith("/_control/")) control(req, res, path, body);
    else deliver(req, res, req.url, body);
  });
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const server = opts.tlsCert
    ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) },
      handle)
    : http.createServer(handle);
  // The sender keeps connections open between deliveries; Node's 5 s default would close them
  // under it mid-test and turn a reuse into a spurious connection error.
  server.keepAliveTimeout = 120000;
  server.headersTimeout = 125000;  // must exceed keepAliveTimeout
  server.on("clientError", (e, socket) => {
    process.stderr.write(`receiver: client error: ${e.message}\n`);
    socket.destroy();
  });
  server.on("error", (e) => {
    process.stderr.write(`receiver: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, "127.0.0.1", () => {
    process.stdout.write(`{"port": ${server.address().port}}\n`);
  });
  if (opts.exitOnStdinClose) {
    process.stdin.on("data", () => {});
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
  }
  process.on("SIGTERM", () => process.exit(0));
}

main();
