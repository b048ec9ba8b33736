"""Differential test: Stormdesk's alias engine against StackStorm's own code.

Runs in the real StackStorm's venv (it imports st2common). Generates alias
formats and commands (regex metacharacters, quotes, key=value extras,
defaults, unicode, whitespace, optional groups, match_multiple, display vs
representation, disabled aliases), asks StackStorm's parser and matcher and
Stormdesk's (the `alias-oracle` example, over a pipe), and reports every
disagreement. Exit 1 on any.

    python differential.py --cases 4000 --seed 1 --ours target/debug/examples/alias-oracle

What is StackStorm's here: `extract_parameters` (ActionAliasFormatParser)
and `match_command_to_alias`, called as they are. What is emulated:
`get_matching_alias`'s two database queries (first pass: enabled aliases
with a format whose match_multiple is missing, null or false; second pass:
enabled aliases with a format whose match_multiple is true), as MongoDB
evaluates them on the formats array.
"""

import argparse
import json
import random
import subprocess
import sys
import time

from st2common.exceptions.content import ParseException
from st2common.exceptions.actionalias import ActionAliasAmbiguityException
from st2common.models.utils.action_alias_utils import extract_parameters
from st2common.util.actionalias_matching import match_command_to_alias

WORDS = ["deploy", "run", "to", "on", "ping", "restart", "status", "a.b", "c+", "x*", "(y)",
         "[z]", "$w", "^v", "p|q", "why?", "{brace}", "d\\d", "déploy", "ünïcode", "日本",
         "-flag", "--long", "é", "k8s", "/path/x", "\\\\"]
NAMES = ["app", "env", "host", "cmd", "n", "msg", "x_1", "target"]
VALUES = ["web", "prod", "web1", "ls -la", "a.b.c", "1", "0", "-5", "3.14", "true", "x=y",
          "\"two words\"", "'single quoted'", "{\"json\": 1}", "[1, 2]", "ünï", "日本語",
          "a\\b", "(paren)", "$HOME", "*", "?", "with  spaces", "trailing ", " lead", ""]
DEFAULTS = ["staging", "two words", "a.b", "x=1", "ünï", "*", "$1", "prod", "1", "a b c",
            "", "{{ no }}", "line\nbreak"]
GAPS = [" ", " ", " ", "  ", "\t", " \t "]


def gen_format(rng):
    """A format string and the parts a command can be made from."""
    parts = []
    used = set()
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.45:
            parts.append(("word", rng.choice(WORDS)))
        else:
            name = rng.choice(NAMES)
            if name in used and rng.random() < 0.97:
                name = name + str(len(used))
            used.add(name)
            d = rng.random()
            if d < 0.55:
                text = "{{%s}}" % name if rng.random() < 0.7 else "{{ %s }}" % name
                parts.append(("param", name, text, None))
            else:
                # The last three break StackStorm's parser; rarely.
                default = rng.choice(DEFAULTS if rng.random() < 0.1 else DEFAULTS[:-3])
                if " " in default and rng.random() < 0.5:
                    default = '"%s"' % default
                sp = rng.choice(["", " "])
                parts.append(("param", name, "{{%s%s=%s%s}}" % (sp, name, sp, default), default))
    fmt = ""
    for i, p in enumerate(parts):
        if i:
            fmt += rng.choice(GAPS) if rng.random() < 0.2 else " "
        fmt += p[1] if p[0] == "word" else p[2]
    r = rng.random()
    if r < 0.08:
        fmt = "(?:please )?" + fmt  # an optional group
    elif r < 0.12:
        fmt = fmt + "( now)?"
    elif r < 0.15:
        fmt = "^" + fmt
    elif r < 0.18:
        fmt = fmt + "$"
    elif r < 0.2:
        fmt = "(?i)" + fmt
    return fmt, parts


def gen_command(rng, fmt, parts):
    r = rng.random()
    if r < 0.07:
        return rng.choice(["", " ", "nothing like it", "deploy", fmt])
    out = []
    for p in parts:
        if p[0] == "word":
            w = p[1]
            if rng.random() < 0.05:
                w = w.upper()
            out.append(w)
        else:
            if p[3] is not None and rng.random() < 0.4:
                continue  # leave it to the default
            out.append(rng.choice(VALUES))
    if fmt.startswith("(?:please )?") and rng.random() < 0.5:
        out.insert(0, "please")
    if fmt.endswith("( now)?") and rng.random() < 0.5:
        out.append("now")
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 3)):
            k = rng.choice(NAMES + ["extra", "ünï"])
            v = rng.choice(["1", "b", '"c d"', "'e f'", "g=h", "", "ünï"])
            out.append("%s=%s" % (k, v))
    cmd = " ".join(out)
    r = rng.random()
    if r < 0.05:
        cmd = "  " + cmd
    elif r < 0.1:
        cmd = cmd + "  "
    elif r < 0.13:
        cmd = cmd.replace(" ", "\t", 1)
    elif r < 0.15:
        cmd = cmd + "\nsecond line"
    elif r < 0.2 and out:
        words = cmd.split(" ")
        del words[rng.randrange(len(words))]
        cmd = " ".join(words)
    return cmd


def theirs_extract(fmt, cmd, multiple):
    try:
        got = extract_parameters(format_str=fmt, param_stream=cmd, match_multiple=multiple)
    except ParseException as e:
        return {"error": str(e)}
    except Exception as e:  # noqa: BLE001 - any other failure is an error too
        return {"error": "%s: %s" % (type(e).__name__, e), "class": "other"}
    sets = got if multiple else [got]
    return {"params": [list(s.items()) for s in sets]}


class Alias:
    """What match_command_to_alias reads of an ActionAliasDB."""

    def __init__(self, d):
        self.name = d["name"]
        self.pack = d["pack"]
        self.ref = "%s.%s" % (d["pack"], d["name"])
        self.formats = d["formats"]
        self.enabled = d.get("enabled", True)


def mongo_first_pass(alias):
    # formats__match_multiple=None | False: some element without the field
    # (strings included), null, or false; an empty array has none at all.
    if not alias.formats:
        return True
    return any(not isinstance(f, dict) or f.get("match_multiple") in (None, False) for f in alias.formats)


def mongo_second_pass(alias):
    return any(isinstance(f, dict) and f.get("match_multiple") is True for f in alias.formats)


def theirs_match(aliases, cmd):
    objs = [Alias(a) for a in aliases]
    try:
        first = [a for a in objs if a.enabled and mongo_first_pass(a)]
        matches = match_command_to_alias(command=cmd, aliases=first)
        if len(matches) > 1:
            raise ActionAliasAmbiguityException(
                "Command '%s' matched more than 1 pattern" % cmd, matches=matches, command=cmd)
        if not matches:
            second = [a for a in objs if a.enabled and mongo_second_pass(a)]
            matches = match_command_to_alias(command=cmd, aliases=second, match_multiple=True)
            if len(matches) > 1:
                raise ActionAliasAmbiguityException(
                    "Command '%s' matched more than 1 (multi) pattern" % cmd, matches=matches, command=cmd)
            if not matches:
                raise ActionAliasAmbiguityException(
                    "Command '%s' matched no patterns" % cmd, matches=[], command=cmd)
    except ActionAliasAmbiguityException as e:
        return {"error": str(e)}
    except Exception as e:  # noqa: BLE001
        return {"error": "%s: %s" % (type(e).__name__, e), "class": "other"}
    m = matches[0]
    params = extract_parameters(format_str=m["representation"], param_stream=cmd)
    return {"alias": m["alias"].ref, "representation": m["representation"], "params": list(params.items())}


def gen_aliases(rng):
    aliases = []
    bases = []
    for i in range(rng.randint(1, 4)):
        formats = []
        for _ in range(rng.randint(1, 3)):
            fmt, parts = gen_format(rng)
            bases.append((fmt, parts))
            r = rng.random()
            if r < 0.5:
                formats.append(fmt)
            elif r < 0.75:
                formats.append({"display": fmt.replace("{{", "<").replace("}}", ">"), "representation": [fmt]})
            elif r < 0.9:
                fmt2, parts2 = gen_format(rng)
                bases.append((fmt2, parts2))
                formats.append({"display": "shown", "representation": [fmt, fmt2]})
            else:
                formats.append({"representation": [fmt], "match_multiple": True})
        if rng.random() < 0.1:
            formats.append({"display": "display only"})
        aliases.append({"name": "a%d" % i, "pack": "p", "action_ref": "p.act",
                        "enabled": rng.random() > 0.1, "formats": formats})
    # Sometimes two aliases share a format: ambiguity.
    if len(aliases) > 1 and rng.random() < 0.15:
        aliases[1]["formats"].append(aliases[0]["formats"][0])
    return aliases, bases


def normalise(ours):
    """Our JSON answer in the shape of theirs (ordered key/value lists)."""
    if "params" in ours and "alias" not in ours:
        return {"params": [list(s.items()) for s in ours["params"]]}
    if "alias" in ours:
        return {"alias": ours["alias"], "representation": ours["representation"],
                "params": list(ours["params"].items())}
    return ours  # an error (and its reason)


def agree(theirs, ours):
    if "error" in theirs and "error" in ours:
        if theirs.get("class") == "other":
            # A format StackStorm cannot use: Python's reason (re.error's text,
            # or the KeyError) must start with ours.
            t = theirs["error"]
            t = t[len("error: "):] if t.startswith("error: ") else t
            return ours.get("reason") is not None and t.startswith(ours["reason"])
        return theirs["error"] == ours["error"]
    return theirs == ours


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--seconds", type=float, default=300, help="stop generating after this long")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.time()
    cases, expected = [], []
    while len(cases) < args.cases and time.time() - t0 < args.seconds:
        if rng.random() < 0.6:
            fmt, parts = gen_format(rng)
            cmd = gen_command(rng, fmt, parts)
            multiple = rng.random() < 0.15
            cases.append({"op": "extract", "format": fmt, "command": cmd, "match_multiple": multiple})
            expected.append(theirs_extract(fmt, cmd, multiple))
        else:
            aliases, bases = gen_aliases(rng)
            fmt, parts = rng.choice(bases)
            cmd = gen_command(rng, fmt, parts)
            cases.append({"op": "match", "aliases": aliases, "command": cmd})
            expected.append(theirs_match(aliases, cmd))
    feed = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    out = subprocess.run([args.ours], input=feed, capture_output=True, text=True, check=True).stdout
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(cases), "the oracle answered %d of %d" % (len(answers), len(cases))
    diverged = []
    kinds = {"extract": 0, "match": 0}
    for case, theirs, ours in zip(cases, expected, answers):
        kinds[case["op"]] += 1
        mine = normalise(ours)
        if not agree(theirs, mine):
            diverged.append((case, theirs, mine))
    for case, theirs, mine in diverged[:25]:
        print("DIVERGES", json.dumps(case, ensure_ascii=False))
        print("  StackStorm:", json.dumps(theirs, ensure_ascii=False))
        print("  Stormdesk: ", json.dumps(mine, ensure_ascii=False))
    errors = sum(1 for e in expected if "error" in e)
    print("differential (seed %d): %d cases (%d extract, %d match; %d where StackStorm refuses), "
          "%d divergences, %.1f s" % (args.seed, len(cases), kinds["extract"], kinds["match"], errors,
                                      len(diverged), time.time() - t0))
    print("%d passed, %d failed" % (len(cases) - len(diverged), len(diverged)))
    sys.exit(1 if diverged else 0)


if __name__ == "__main__":
    main()
