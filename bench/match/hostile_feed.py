#!/usr/bin/python3
"""A hostile TAXII 2.1 feed for `rampart match --indicators URL` (issue 11; BENCHMARKS.md,
"Issue 11: hostile feeds and regex budget").

  hostile_feed.py bomb    [--port P] [--mb 100]      every objects page is a gzip body (~100 KB)
                                                     that decodes to ~MB MB of `{}` objects
  hostile_feed.py endless [--port P] [--per-page 10] `more: true` with a fresh `next` forever,
                                                     PER-PAGE new indicators a page
  hostile_feed.py regex-files OUTDIR                 writes OUTDIR/regex50.json (50 catastrophic
                                                     MATCHES indicators) and OUTDIR/events200.ndjson
                                                     (200 ECS events whose url.full feeds them)

The servers answer any GET ending in /objects/ (query ignored except `next`), so the collection
URL is http://127.0.0.1:P/api/collections/c1/. Debian's /usr/bin/python3, standard library only.
"""
import argparse
import gzip
import http.server
import json
import os
import sys


def indicator(i, pattern):
    return {"type": "indicator", "spec_version": "2.1",
            "id": "indicator--%08x-0000-4000-8000-%012x" % (i >> 16, i),
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}


def bomb_body(mb):
    n = mb * 1000 * 1000 // 3
    raw = b'{"more":false,"objects":[' + b"{}," * (n - 1) + b"{}]}"
    return raw, gzip.compress(raw, 9)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = None
    per_page = 10
    gz = b""
    raw_len = 0
    pages = 0

    def log_message(self, *a):
        pass

    def send(self, body, gzipped=False):
        self.send_response(200)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if not path.endswith("/objects/"):
            self.send_error(404)
            return
        Handler.pages += 1
        if Handler.pages % 1000 == 0:
            print("hostile_feed: %d pages served" % Handler.pages, file=sys.stderr, flush=True)
        if self.mode == "bomb":
            self.send(self.gz, gzipped=True)
            return
        # endless: a fresh cursor and fresh indicators on every page
        p = Handler.pages
        objs = [indicator(p * self.per_page + k, "[ipv4-addr:value = '10.%d.%d.%d']" %
                          ((p >> 8) & 255, p & 255, k & 255)) for k in range(self.per_page)]
        body = json.dumps({"more": True, "next": "page-%d" % p, "objects": objs}).encode()
        self.send(body)


def regex_files(out):
    os.makedirs(out, exist_ok=True)
    evil = ["(a+)+\\1b", "(a|aa)+\\1c", "((a*)*)+\\2d", "(a+)+\\1e", "(aa|a)+\\1f"]
    objs = []
    for i in range(50):
        # url:value MATCHES '<catastrophic>x<i>'; the value below has every literal each needs (PCRE2 would skip a value without the last one)
        pat = "[url:value MATCHES '%s%d']" % (evil[i % len(evil)].replace("\\", "\\\\"), i)
        objs.append(indicator(i, pat))
    with open(os.path.join(out, "regex50.json"), "w") as f:
        json.dump({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000050", "objects": objs}, f)
    with open(os.path.join(out, "events200.ndjson"), "w") as f:
        for i in range(200):
            ev = {"@timestamp": "2024-06-01T00:00:%02d.000Z" % (i % 60),
                  "url": {"full": "http://h%d.example/" % i + "a" * 40 + "!b0123456789cdef"}}
            f.write(json.dumps(ev) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bomb", "endless", "regex-files"])
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--port", type=int, default=8931)
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--per-page", type=int, default=10)
    a = ap.parse_args()
    if a.mode == "regex-files":
        regex_files(a.outdir or ".")
        return
    Handler.mode = a.mode
    Handler.per_page = a.per_page
    if a.mode == "bomb":
        raw, Handler.gz = bomb_body(a.mb)
        print("hostile_feed: bomb page %d bytes gzip -> %d bytes" % (len(Handler.gz), len(raw)),
              file=sys.stderr, flush=True)
        del raw
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print("hostile_feed: %s on http://127.0.0.1:%d/api/collections/c1/" % (a.mode, a.port),
          file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
