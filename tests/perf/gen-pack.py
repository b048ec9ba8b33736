#!/usr/bin/env python3
"""Writes a pack of N action aliases (StackStorm layout) for measurements:
realistic formats with required and optional parameters, display and
representation pairs, 20 verbs x 50 nouns so first words are shared."""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
verbs = "deploy restart scale check drain rollback backup restore rotate purge sync tail show list open close page silence ack promote".split()
nouns = [f"svc{i}" for i in range(50)]
os.makedirs(f"{out}/bench/aliases", exist_ok=True)
os.makedirs(f"{out}/bench/actions", exist_ok=True)
with open(f"{out}/bench/pack.yaml", "w") as f:
    f.write("ref: bench\nname: bench\ndescription: generated for measurements\nversion: 1.0.0\nauthor: stormdesk\n")
with open(f"{out}/bench/actions/run.yaml", "w") as f:
    f.write(
        "name: run\npack: bench\nrunner_type: local-shell-cmd\ndescription: generated\n"
        "parameters:\n  target: {type: string, required: true}\n  host: {type: string}\n  env: {type: string}\n"
        "x-simulation:\n  duration_ms: 10\n  result: {stdout: \"ok {{ target }}\", stderr: \"\", return_code: \"0\"}\n"
    )
for i in range(n):
    v, s = verbs[i % len(verbs)], nouns[(i // len(verbs)) % len(nouns)]
    rep = f"{v} {s} {{{{ target }}}} on {{{{ host=web{i % 7} }}}} in {{{{ env=prod }}}}"
    with open(f"{out}/bench/aliases/a{i:05d}.yaml", "w") as f:
        f.write(
            f"name: a{i:05d}\npack: bench\naction_ref: bench.run\ndescription: \"{v} {s} (generated {i})\"\n"
            f"formats:\n  - display: \"{v} {s} <target> [on <host>] [in <env>]\"\n    representation:\n      - \"{rep}\"\n"
        )
print(f"{n} aliases in {out}/bench")
