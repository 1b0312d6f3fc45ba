import assert from "node:assert/strict";
import {
  classifyError,
  ERROR_KINDS,
  errorDetail,
  oneLine,
  PERMANENT_KINDS,
} from "../../runner/errors.ts";
import { parseRecord } from "../../output/ndjson.ts";
import { ProtocolError, TruncatedError } from "../../engine/engine.ts";

function fetchFailure(message: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(message) });
}

Deno.test("classifyError() names TLS, DNS, permission and invalid URL failures", () => {
  const cases: [unknown, string][] = [
    [fetchFailure("client error (Connect): invalid peer certificate: UnknownIssuer"), "tls"],
    [fetchFailure("client error (Connect): received fatal alert: HandshakeFailure"), "tls"],
    [
      fetchFailure(
        "client error (Connect): dns error: failed to lookup address information: Name or service not known",
      ),
      "dns",
    ],
    [new Deno.errors.NotCapable('Requires net access to "a.test:80"'), "permission"],
    [new TypeError("Invalid URL: 'http://a b/'"), "invalid_url"],
    [
      fetchFailure("client error (Connect): tcp connect error: Connection refused (os error 111)"),
      "refused",
    ],
    [fetchFailure("connection closed before message completed"), "connection"],
  ];
  for (const [error, kind] of cases) assert.equal(classifyError(error, false), kind, String(error));
});

Deno.test("classifyError() names the h1 engine's protocol and truncation failures", () => {
  const conflict = new ProtocolError("conflicting Content-Length values 3 and 4");
  assert.equal(classifyError(conflict, false), "protocol");
  assert.equal(
    classifyError(new ProtocolError("chunk data not followed by CRLF"), true),
    "protocol",
  );
  const cut = new TruncatedError("body ended after 3 of 10 bytes");
  assert.equal(classifyError(cut, true), "truncated");
  const bareCr = new ProtocolError("bare CR in the head");
  assert.equal(errorDetail(bareCr, "protocol", "http://a/"), "bare CR in the head");
});

Deno.test("errorDetail() is one line, drops fetch's generic message and advises on TLS", () => {
  const tls = errorDetail(
    fetchFailure("invalid peer certificate:\n UnknownIssuer"),
    "tls",
    "https://h.test:8443/x",
  );
  assert.match(tls, /^invalid peer certificate: UnknownIssuer; to trust this server/);
  assert.match(tls, /--ca-cert FILE.*--unsafely-ignore-certificate-errors=h\.test$/);
  assert.ok(!tls.includes("\n"));
  assert.equal(oneLine("x".repeat(1000)).length, 300);
});

Deno.test("ERROR_KINDS is the one list of kinds: each once, each a record's error may be", () => {
  assert.equal(new Set(ERROR_KINDS).size, ERROR_KINDS.length);
  const record = { index: 0, url: "http://a/", status: 0, start: 1, ms: 2, bytes: 0, attempts: 1 };
  for (const kind of ERROR_KINDS) {
    assert.equal(parseRecord(JSON.stringify({ ...record, error: kind }))?.error, kind);
  }
  assert.equal(parseRecord(JSON.stringify({ ...record, error: "gremlins" })), undefined);
  for (const kind of PERMANENT_KINDS) assert.ok(ERROR_KINDS.includes(kind));
});
