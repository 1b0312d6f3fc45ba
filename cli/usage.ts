/**
 * The `--help` text.
 *
 * @module
 */

/** What `--help` prints. */
export const USAGE = `Usage: main.ts [options] [URL]
       main.ts report [--json] [--skip-bad] [--final FILE|-] [--html FILE] [--fail-if EXPR]... FILE...
                                                                   (- reads standard input)

Makes many HTTP requests with bounded concurrency and summarizes them.
Without a URL, --url, --urls or --targets it starts the bundled delay server on a
free loopback port and aims at it. A URL on its own is --url. Times (D) are 30s,
500ms, 1m30s, 2h or plain seconds.

Options:
  -n, --count N      requests to make (default 10000)
  -c, --concurrency C  most requests in flight (default 1000)
  --url TEMPLATE     URL to request; {} is replaced by the index 0..N-1
  --urls FILE|-      read URLs from FILE (or standard input), one per line
  --targets FILE|-   read requests from NDJSON in vegeta's JSON format, one a line:
                     {"method":"POST","url":"...","header":{"K":["v"]},"body":"<base64>"}
  --max-delay S      bundled server: delays are 0..S seconds (default 3)
  --seed N           bundled server: seed of its delays (default 1)
  --timeout D        time one attempt may take, headers and body (default 30s)
  --retries N        retries of transient failures (default 0)
  -m, --method M     HTTP method (default GET)
  -H, --header 'K: V'  request header, repeatable; a repeated name sends every value
                     (Content-Length and Transfer-Encoding are refused; with the fetch
                     engine also Host, Connection and the like)
  --body TEXT        request body
  --body-file FILE   request body read from FILE
  --save DIR         stream each 2xx body to DIR/<index / 1000>/<index>; the
                     record's "file" holds the path
  --save-failed      with --save, keep failed responses' bodies too, as <index>.failed
  --max-bytes N      fail a body longer than N bytes as too_large
  --max-redirects N  redirects to follow; 0 makes a 3xx the answer (default 20)
  --ca-cert FILE     trust this PEM CA certificate too, repeatable
  --proxy URL        send through this http, https or socks5 proxy
  --http1, --http2   use only HTTP/1.1, or only HTTP/2
  --no-keepalive     a new connection for every request
  --engine E         auto, h1 or fetch: h1 is ours, HTTP/1.1 on Deno.connect; fetch is
                     Deno's, for --proxy and --http2 (default auto: h1 unless those)
  -q, --rate R       start requests on one schedule of R a second (R, R/s or R/m) for
                     the whole run, all workers included; latency is then timed from
                     each request's due time (the service time, from the send, beside
                     it); requests that start late are counted, and those due before
                     the end but never sent are counted as dropped (exit 1). Without
                     --count or --duration it runs until Ctrl-C
  -z, --duration D   stop starting requests after D; those in flight get the --grace to
                     finish. --count becomes a cap
  --grace D          with --duration: how long requests in flight at its end may take
                     before they are aborted (default: the --timeout plus 1 s)
  --ramp D           raise the rate from 0 to R over D (no --rate: the concurrency)
  --per-host N       at most N requests in flight to one origin; later requests for
                     other origins go ahead. With --per-host or --retries, a 429 (or a
                     503 with Retry-After) pauses the origin and halves its concurrency
  --shard I/N        make only requests whose index i has i % N == I; --rate is per shard
  --workers W        threads that make the requests of a --count run (default: 1 on h1;
                     on fetch, CPUs, at most 4)
  --json             print the summary as one JSON object on stdout
  --output FILE|-    write one NDJSON record per finished request, every field on every
                     line and the run's id on each; FILE.run.json beside it describes the
                     run; with -, records go to stdout and the summary to stderr
  --resume           continue the run in --output: skip what finished ok, redo the rest;
                     exit 2, touching nothing, when --output holds another run's records
  --overwrite        start an --output that already holds records over
  --verbose          print "{date}:{url} {status} with delay {delay} ({ms} ms)" per
                     request, and the error and detail of a failure (to stderr with --json)
  --html FILE        write a self-contained HTML report: the run over time, the
                     latency histogram, the busiest hosts and the summary
  --fail-if EXPR     fail the run when the summary meets EXPR, repeatable: METRIC OP VALUE
                     with OP one of > >= < <=, METRIC min, mean, max or any pNN, pNN.N
                     (VALUE in ms or s; from the due time with --rate, service.pNN from
                     the send), errors (a count or N%), rps, count, ok, failed, dropped
                     or late: p99>500ms, p99.9>2s, service.p99>100ms, errors>1%,
                     dropped>0. Thresholds decide the exit code: 0 all passed, 4 one
                     crossed; a latency with no successful request is crossed (no data)
  --quiet            print no progress and no notices (warnings stay)
  --help             show this help

report merges outputs of one run (its shards and resumes; other runs' are exit 2):
the last record of each index counts, and indices never recorded are missing
(exit 1); --final FILE|- writes each index's last record in index order;
--skip-bad leaves out lines that are not records instead of exit 2.

Exit codes: 0 all ok (with --fail-if: all thresholds passed), 1 some failed or were
dropped, 2 bad usage, 3 the output could not be written, 4 a --fail-if threshold was
crossed, 130 interrupted (143 on SIGTERM).

Examples:
  main.ts --count 10000
  main.ts --count 100000 --max-delay 0 --json
  main.ts --url 'http://127.0.0.1:8080/{}' --count 1000 --retries 3
  main.ts --urls urls.txt --shard 0/4 --output shard-0.ndjson
  main.ts --urls urls.txt --output run.ndjson --resume
  main.ts --targets targets.ndjson --save bodies --output records.ndjson
  main.ts report shard-*.ndjson
  main.ts --url 'http://127.0.0.1:8080/{}' --rate 500 --duration 30s --ramp 5s
  main.ts --url 'http://127.0.0.1:8080/{}' --fail-if 'p99>500ms' --fail-if 'errors>1%'
`;
