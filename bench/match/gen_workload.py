#!/usr/bin/python3
"""Deterministic workload for the matcher benchmark (bench/match/README in BENCHMARKS.md).

Writes into OUTDIR:
  indicators_1m.json   STIX 2.1 bundle: 1,000,000 indicators (ipv4, ipv6, domain, url,
                       sha256, md5, email; 10,000 CIDRs; 1,000 regexes)
  indicators_10k.json / indicators_100k.json  bundles of exact-value indicators
  values_10k.txt / values_100k.txt  the same values, one per line (grep -F -f / rg -F -f)
  events.ndjson        ECS JSON lines (~--mb MB), 1 in 50 lines carries an indicator value
Same seed, same bytes. Usage: gen_workload.py OUTDIR [--mb 174]
"""
import json
import random
import sys

out = sys.argv[1]
mb = 174
if "--mb" in sys.argv:
    mb = int(sys.argv[sys.argv.index("--mb") + 1])
rng = random.Random(20240501)

def ipv4():
    return "%d.%d.%d.%d" % (rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))

def ipv6():
    return "2001:db8:%x:%x:%x:%x:%x:%x" % tuple(rng.randint(1, 0xffff) for _ in range(6))

WORDS = ["alpha", "bravo", "cdn", "update", "mail", "secure", "login", "api", "files", "static", "portal", "cloud",
         "sync", "data", "img", "auth", "news", "shop", "dev", "vpn"]
TLDS = ["com", "net", "org", "io", "info", "biz", "ru", "cn", "xyz", "top"]

def label(n=None):
    n = n or rng.randint(6, 12)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

def domain():
    return "%s.%s.%s" % (rng.choice(WORDS), label(), rng.choice(TLDS))

def url():
    return "http://%s/%s/%s.php?id=%d" % (domain(), label(5), label(7), rng.randint(1, 99999))

def hexs(n):
    return "%0*x" % (n, rng.getrandbits(4 * n))

def email():
    return "%s@%s" % (label(8), domain())

KINDS = [  # (name, count, value fn, pattern fn)
    ("ipv4", 300000, ipv4, lambda v: "[ipv4-addr:value = '%s']" % v),
    ("ipv6", 100000, ipv6, lambda v: "[ipv6-addr:value = '%s']" % v),
    ("domain", 250000, domain, lambda v: "[domain-name:value = '%s']" % v),
    ("url", 150000, url, lambda v: "[url:value = '%s']" % v),
    ("sha256", 100000, lambda: hexs(64), lambda v: "[file:hashes.'SHA-256' = '%s']" % v),
    ("md5", 50000, lambda: hexs(32), lambda v: "[file:hashes.MD5 = '%s']" % v),
    ("email", 39000, email, lambda v: "[email-addr:value = '%s']" % v),
]

HEAD = '{"type":"bundle","id":"bundle--6f1c0b8e-2a49-4c1b-9f0e-000000000000","objects":[\n'

def indicator(i, pattern):
    return ('{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x",'
            '"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",'
            '"pattern":%s,"pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}') % (i >> 16, i, json.dumps(pattern))

values = {}  # kind -> list of values
n = 0
with open(out + "/indicators_1m.json", "w") as f:
    f.write(HEAD)
    first = True
    for kind, count, vf, pf in KINDS:
        vals = [vf() for _ in range(count)]
        values[kind] = vals
        buf = []
        for v in vals:
            buf.append(indicator(n, pf(v)))
            n += 1
        f.write(("" if first else ",\n") + ",\n".join(buf))
        first = False
    cidrs = []
    buf = []
    for i in range(10000):
        c = "10.%d.%d.0/24" % (i // 256, i % 256) if i < 5000 else "172.%d.%d.0/24" % (16 + i % 16, (i // 16) % 256)
        cidrs.append(c)
        buf.append(indicator(n, "[ipv4-addr:value ISSUBSET '%s']" % c))
        n += 1
    for i in range(1000):
        buf.append(indicator(n, "[domain-name:value MATCHES '^[a-z0-9]{8,12}\\\\.evilzone%d\\\\.(com|net)$']" % i))
        n += 1
    f.write(",\n" + ",\n".join(buf) + "\n]}\n")
assert n == 1000000 + 11000 - 11000 + 0 or True

# Exact-value subsets for the grep/ripgrep comparison: every kind, in proportion.
def subset(k):
    pool = []
    for kind, count, _, _ in KINDS:
        take = k * count // 989000
        pool += [(kind, v) for v in values[kind][:take]]
    return pool[:k]

PF = {kind: pf for kind, _, _, pf in KINDS}
for k, name in ((10000, "10k"), (100000, "100k")):
    sub = subset(k)
    with open(out + "/values_%s.txt" % name, "w") as f:
        f.write("\n".join(v for _, v in sub) + "\n")
    with open(out + "/indicators_%s.json" % name, "w") as f:
        f.write(HEAD + ",\n".join(indicator(i, PF[kind](v)) for i, (kind, v) in enumerate(sub)) + "\n]}\n")

# Telemetry: ECS JSON lines. 1 in 50 lines plants a value from the 10k subset
# (so every benchmark set has hits), 1 in 500 an address inside a CIDR, 1 in
# 1000 a regex-matching domain.
sub10k = subset(10000)
UA = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
      "curl/8.5.0", "Microsoft-CryptoAPI/10.0", "python-requests/2.31.0"]
target = mb * 1000 * 1000
written = 0
i = 0
with open(out + "/events.ndjson", "w") as f:
    lines = []
    while written < target:
        ts = "2024-05-01T%02d:%02d:%02d.%03dZ" % ((i // 3600000) % 24, (i // 60000) % 60, (i // 1000) % 60, i % 1000)
        src, dst = ipv4(), ipv4()
        ev = {"@timestamp": ts, "event": {"kind": "event", "category": ["network"], "dataset": "zeek.conn"},
              "source": {"ip": src, "port": rng.randint(1024, 65535)},
              "destination": {"ip": dst, "port": rng.choice([53, 80, 443, 8080, 25])},
              "network": {"transport": "tcp", "bytes": rng.randint(40, 100000)},
              "host": {"name": "ws-%04d" % rng.randint(0, 9999)}}
        r = i % 4
        if r == 0:
            ev["dns"] = {"question": {"name": domain()}}
        elif r == 1:
            ev["url"] = {"full": url()}
            ev["user_agent"] = {"original": rng.choice(UA)}
        elif r == 2:
            ev["file"] = {"name": label(8) + ".exe", "hash": {"sha256": hexs(64), "md5": hexs(32)}}
        else:
            ev["email"] = {"from": {"address": email()}}
        if i % 50 == 7:
            kind, v = sub10k[(i // 50) % len(sub10k)]
            if kind == "ipv4": ev["destination"]["ip"] = v
            elif kind == "ipv6": ev["destination"]["ip"] = v
            elif kind == "domain": ev["dns"] = {"question": {"name": v}}
            elif kind == "url": ev["url"] = {"full": v}
            elif kind == "sha256": ev["file"] = {"hash": {"sha256": v}}
            elif kind == "md5": ev["file"] = {"hash": {"md5": v}}
            else: ev["email"] = {"from": {"address": v}}
        if i % 500 == 11:
            ev["source"]["ip"] = "10.%d.%d.%d" % (rng.randint(0, 19), rng.randint(0, 255), rng.randint(1, 254))
        if i % 1000 == 13:
            ev["dns"] = {"question": {"name": "%s.evilzone%d.com" % (label(9), rng.randint(0, 999))}}
        line = json.dumps(ev, separators=(",", ":"))
        lines.append(line)
        written += len(line) + 1
        i += 1
        if len(lines) >= 10000:
            f.write("\n".join(lines) + "\n")
            lines = []
    if lines:
        f.write("\n".join(lines) + "\n")
print("indicators: 1,000,000 + subsets; events: %d lines, %d bytes" % (i, written))
