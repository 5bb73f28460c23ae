#!/usr/bin/env python3
"""Fails when a module includes a header of a module it may not depend on.

The allowed dependencies are the DEPS of each `rampart_module(...)` call in
src/**/CMakeLists.txt (written once, there), closed transitively. A module's
folder is src/<a>[/<b>]; its name is <a>[_<b>]. Tests (*_test.cc) may also
include `testing/...`. Also fails when a file outside a module includes that
module's internal/ headers, or when a third-party header is included outside
the one folder that owns it.

Usage: check_includes.py SOURCE_ROOT
"""
import os
import re
import sys

# Third-party headers owned by exactly one folder (prefix under src/).
OWNED_HEADERS = {
    "sqlite3.h": ("store/sqlite",),
    "libpq-fe.h": ("store/postgres",),
    "hs/hs.h": ("match",),
    "hs.h": ("match",),
    "boost/beast": ("http",),
    "boost/asio": ("http",),
}


def parse_modules(src):
    modules = {}  # name -> (folder, set(deps))
    call = re.compile(r"rampart_module\(\s*(\w+)(.*?)\)\s*$", re.S | re.M)
    for root, _, files in os.walk(src):
        if "CMakeLists.txt" not in files:
            continue
        text = open(os.path.join(root, "CMakeLists.txt")).read()
        for m in call.finditer(text):
            name, body = m.group(1), m.group(2)
            deps = set()
            dm = re.search(r"DEPS(.*)", body, re.S)
            if dm:
                deps = set(re.findall(r"rampart_(\w+)", dm.group(1)))
            modules[name] = (os.path.relpath(root, src), deps)
    return modules


def closure(modules):
    out = {}
    for name in modules:
        seen, stack = set(), [name]
        while stack:
            n = stack.pop()
            for d in modules.get(n, ("", set()))[1]:
                if d not in seen:
                    seen.add(d)
                    stack.append(d)
        out[name] = seen
    return out


def module_of(path, folders):
    best = None
    for name, folder in folders.items():
        if path == folder or path.startswith(folder + "/"):
            if best is None or len(folder) > len(folders[best]):
                best = name
    return best


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.join(root, "src")
    modules = parse_modules(src)
    if not modules:
        print("check_includes: no modules found under", src)
        return 1
    folders = {n: f for n, (f, _) in modules.items()}
    allowed = closure(modules)
    errors = []
    checked = 0
    inc = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
    for dirpath, _, files in os.walk(src):
        for fn in files:
            if not fn.endswith((".h", ".cc")):
                continue
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, src)
            me = module_of(os.path.dirname(rel), folders)
            if me is None:
                continue
            text = open(full, encoding="utf-8", errors="replace").read()
            for m in inc.finditer(text):
                kind, header = m.group(1), m.group(2)
                checked += 1
                for owned, owners in OWNED_HEADERS.items():
                    if header == owned or header.startswith(owned + "/"):
                        if not any(rel.startswith(o + "/") for o in owners):
                            errors.append(f"{rel}: includes <{header}>, owned by {owners[0]}/")
                if kind != '"':
                    continue
                if header.startswith("testing/") and fn.endswith("_test.cc"):
                    continue
                target = module_of(os.path.dirname(header), folders)
                if target is None:
                    continue
                if "/internal/" in header and target != me:
                    errors.append(f"{rel}: includes {header}, internal to module {target}")
                if target != me and target not in allowed[me]:
                    errors.append(f"{rel}: module {me} may not include {header} (module {target});"
                                  f" allowed: {sorted(allowed[me])}")
    for e in errors:
        print(e)
    print(f"check_includes: {checked} includes in {len(modules)} modules, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
