#!/usr/bin/python3
"""Posts N synthetic STIX 2.1 indicators (explicitly marked TLP:GREEN, or
with --unmarked left to the collection default, which the policy module then
adds to every served copy)
to a TAXII collection in envelopes of BATCH objects, through the server's
own POST path (so the store, ingest and indexes are the real ones).

usage: gen_objects.py BASE_URL TOKEN COLLECTION_ID N [BATCH] [--unmarked]
"""
import json
import sys
import time
import urllib.request
import uuid

base, token, coll, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
unmarked = "--unmarked" in sys.argv
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
url = f"{base}/api/collections/{coll}/objects/"
headers = {"Accept": "application/taxii+json;version=2.1",
           "Content-Type": "application/taxii+json;version=2.1",
           "Authorization": f"Bearer {token}"}
start = time.time()
done = 0
while done < n:
    objs = []
    for i in range(min(batch, n - done)):
        k = done + i
        obj = {
            "type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(int=(0x5eed << 112) | k, version=4)}",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "name": f"synthetic indicator {k}",
            "pattern": f"[ipv4-addr:value = '10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}']",
            "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
        if not unmarked:
            obj["object_marking_refs"] = [TLP_GREEN]
        objs.append(obj)
    req = urllib.request.Request(url, data=json.dumps({"objects": objs}).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=600) as r:
        st = json.load(r)
        if st["failure_count"]:
            sys.exit(f"failures: {st['failures'][:3]}")
    done += len(objs)
    if done % (batch * 50) == 0 or done == n:
        el = time.time() - start
        print(f"{done} objects in {el:.1f}s ({done / el:.0f}/s)", file=sys.stderr, flush=True)
