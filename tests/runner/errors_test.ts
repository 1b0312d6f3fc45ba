import assert from "node:assert/strict";
import {
  classifyError,
  ERROR_KINDS,
  errorDetail,
  oneLine,
  PERMANENT_KINDS,
  WriteError,
} from "../../runner/errors.ts";
import { parseRecord } from "../../output/ndjson.ts";
import { ProtocolError, TruncatedError } from "../../engine/engine.ts";
import { runRequests } from "../../runner/run.ts";

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
  for (const [error, kind] of cases) {
    assert.equal(classifyError(error, "head"), kind, String(error));
  }
});

Deno.test("classifyError() names the h1 engine's protocol and truncation failures", () => {
  const conflict = new ProtocolError("conflicting Content-Length values 3 and 4");
  assert.equal(classifyError(conflict, "head"), "protocol");
  assert.equal(
    classifyError(new ProtocolError("chunk data not followed by CRLF"), "body"),
    "protocol",
  );
  const cut = new TruncatedError("body ended after 3 of 10 bytes");
  assert.equal(classifyError(cut, "body"), "truncated");
  const blocked = new TypeError("Fetch failed: Requests to port 6000 are blocked");
  assert.equal(classifyError(blocked, "head"), "invalid_url", "fetch's blocked port");
  const bareCr = new ProtocolError("bare CR in the head");
  assert.equal(errorDetail(bareCr, "protocol", "http://a/"), "bare CR in the head");
});

Deno.test("errorDetail() is one line, drops fetch's generic message and advises on TLS", () => {
  const tls = errorDetail(
    fetchFailure("invalid peer certificate:\n UnknownIssuer"),
    "tls",
    "https://h.test:8443/x",
  );
  assert.equal(tls, "invalid peer certificate: UnknownIssuer; trust its CA with --ca-cert FILE");
  assert.equal(oneLine("x".repeat(1000)).length, 80);
});

Deno.test("errorDetail() names the cause first, without URL, index, address or port", () => {
  const refused = (port: number, index: number) =>
    fetchFailure(
      `error sending request for url (http://127.0.0.1:${port}/x/${index}): client error ` +
        `(Connect): tcp connect error: Connection refused (os error 111)`,
    );
  const cases: [unknown, string][] = [
    [refused(40123, 34), "connection refused"],
    [refused(40124, 35), "connection refused"],
    [
      fetchFailure(
        "error sending request from 127.0.0.1:47590 for http://127.0.0.1:45467/y/5 " +
          "(127.0.0.1:45467): client error (SendRequest): connection closed before message completed",
      ),
      "connection closed before message completed",
    ],
    [
      fetchFailure(
        "error sending request for url (http://[::1]:8080/a/9): client error (SendRequest): " +
          "connection error: Connection reset by peer (os error 104)",
      ),
      "connection reset by peer",
    ],
    [
      fetchFailure(
        "error sending request for url (https://127.0.0.1:8443/): client error (Connect): " +
          "invalid peer certificate: UnknownIssuer",
      ),
      "invalid peer certificate: UnknownIssuer; trust its CA with --ca-cert FILE",
    ],
  ];
  for (const [error, detail] of cases) {
    const kind = classifyError(error, "head");
    assert.equal(errorDetail(error, kind, "http://127.0.0.1:1/x"), detail);
  }
  const write = new WriteError("Cannot save a body to 'out/0/17.part': No space left", {
    cause: new Error("No space left on device (os error 28)"),
  });
  assert.equal(classifyError(write, "body"), "write");
  assert.equal(errorDetail(write, "write", "http://a/17"), "No space left on device (os error 28)");
});

Deno.test("50 refused connections group under one detail", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const urls = Array.from({ length: 50 }, (_, i) => `http://127.0.0.1:${port}/x/${i}`);
  const details = new Map<string, number>();
  for await (const record of runRequests(urls, { concurrency: 10 })) {
    assert.equal(record.error, "refused");
    details.set(record.detail!, (details.get(record.detail!) ?? 0) + 1);
  }
  assert.deepEqual([...details], [["connection refused", 50]]);
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
