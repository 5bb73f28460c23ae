#!/usr/bin/python3
"""Walks a collection's manifest with `next` (pages of 1000) and prints the
X-TAXII-Date-Added-First of every page: start points for page.lua; also
checks the walk saw every object exactly once.

usage: walk_starts.py BASE_URL TOKEN COLLECTION_ID IDS_FILE > starts.txt
(IDS_FILE receives up to 20000 object ids, spread over the collection)
"""
import json
import sys
import urllib.parse
import urllib.request

base, token, coll, ids_file = sys.argv[1:5]
ids = []
headers = {"Accept": "application/taxii+json;version=2.1", "Authorization": f"Bearer {token}"}
nxt, seen, pages = None, set(), 0
while True:
    q = "limit=1000" + (f"&next={urllib.parse.quote(nxt)}" if nxt else "")
    req = urllib.request.Request(f"{base}/api/collections/{coll}/manifest/?{q}", headers=headers)
    with urllib.request.urlopen(req, timeout=600) as r:
        first = r.headers.get("X-TAXII-Date-Added-First")
        body = json.load(r)
    pages += 1
    objs = body.get("objects", [])
    for i, o in enumerate(objs):
        seen.add((o["id"], o["version"]))
        if i % 50 == 0 and len(ids) < 20000:
            ids.append(o["id"])
    if first:
        print(first)
    if not body.get("more"):
        break
    nxt = body["next"]
open(ids_file, "w").write("\n".join(ids) + "\n")
print(f"walked {pages} pages, {len(seen)} distinct versions", file=sys.stderr)
