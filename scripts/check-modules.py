#!/usr/bin/env python3
"""Two rules for the Rust and TypeScript sources, checked in CI (the lint stage):

1. No source file over 700 lines (Rust and TypeScript, tests, benches and
   examples included; the generated bindings excepted). A longer file is a
   sign it does several jobs.
2. No import circle between a crate's top-level modules: if `a` uses `crate::b`,
   nothing in `b` uses `crate::a` (directly or round a longer loop). A module's
   own submodules are part of it (a child's `use super::*` is not a circle).
   Names the crate root re-exports (`pub use desk::Desk`) count as their module.

    scripts/check-modules.py            # exit 1 and say what, on a breach
"""
import os
import re
import sys

LIMIT = 700
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_FILES = {"ui/src/bindings.ts"}


def sources():
    for base in ["crates", "src-tauri", "ui/src"]:
        for dirpath, dirnames, files in os.walk(os.path.join(ROOT, base)):
            rel = os.path.relpath(dirpath, ROOT)
            parts = rel.split(os.sep)
            if any(p in ("target", "node_modules", "gen", "dist") for p in parts):
                continue
            for f in files:
                if f.endswith((".rs", ".ts")):
                    yield os.path.join(rel, f)


def too_long():
    out = []
    for path in sources():
        if path in SKIP_FILES:
            continue
        with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
        if n > LIMIT:
            out.append((n, path))
    return sorted(out, reverse=True)


USE_CRATE = re.compile(r"\bcrate::(\{[^;]*?\}|[A-Za-z_][A-Za-z0-9_]*)", re.S)
ROOT_REEXPORT = re.compile(r"^pub use (?:self::)?([a-z_][a-z0-9_]*)::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*|\*);", re.M | re.S)


def crate_roots():
    for base in ["crates", "src-tauri"]:
        for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
            if "target" in dirpath or "fuzz" in dirpath:
                continue
            for root_file in ("lib.rs", "main.rs"):
                if root_file in files and (dirpath.endswith("src") or dirpath.endswith("src-tauri")):
                    yield dirpath, root_file


def module_of(src_dir, path):
    rel = os.path.relpath(path, src_dir)
    first = rel.split(os.sep)[0]
    if first.endswith(".rs"):
        first = first[:-3]
    return first


def circles():
    found = []
    for src_dir, root_file in crate_roots():
        root_text = open(os.path.join(src_dir, root_file), encoding="utf-8").read()
        modules = set(re.findall(r"^(?:pub(?:\([^)]*\))? )?mod ([a-z_][a-z0-9_]*);", root_text, re.M))
        # crate::Name → module, for what the root re-exports
        alias = {}
        for m in ROOT_REEXPORT.finditer(root_text):
            mod, names = m.group(1), m.group(2)
            if mod not in modules:
                continue
            if names == "*":
                continue
            for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", names):
                if n != "self":
                    alias[n] = mod
        edges = {m: set() for m in modules}
        for dirpath, _, files in os.walk(src_dir):
            if "target" in dirpath or os.sep + "bin" in dirpath[len(src_dir):]:
                continue
            for f in files:
                if not f.endswith(".rs"):
                    continue
                path = os.path.join(dirpath, f)
                if path == os.path.join(src_dir, root_file):
                    continue
                me = module_of(src_dir, path)
                if me not in modules:
                    continue
                text = open(path, encoding="utf-8").read()
                # leave #[cfg(test)] modules out: tests may reach anywhere
                text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
                # comments (doc links included) are not imports
                text = re.sub(r"//[^\n]*", "", text)
                for m in USE_CRATE.finditer(text):
                    target = m.group(1)
                    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", target) if target.startswith("{") else [target]
                    if target.startswith("{"):
                        # crate::{a::X, b} → first segment of each path
                        names = [p.strip().split("::")[0] for p in target.strip("{}").split(",") if p.strip()]
                    for n in names:
                        to = n if n in modules else alias.get(n)
                        if to and to != me:
                            edges[me].add(to)
        for scc in tarjan(edges):
            if len(scc) > 1:
                found.append((os.path.relpath(src_dir, ROOT), sorted(scc), edges))
    return found


def tarjan(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            out.append(scc)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    bad = False
    for n, path in too_long():
        print(f"{path}: {n} lines (at most {LIMIT}: split it by job)")
        bad = True
    for crate, scc, edges in circles():
        loop = ", ".join(f"{a} → {b}" for a in scc for b in sorted(edges[a]) if b in scc)
        print(f"{crate}: an import circle between {', '.join(scc)} ({loop})")
        bad = True
    if not bad:
        print("modules: every source file within %d lines, no import circle between modules" % LIMIT)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
