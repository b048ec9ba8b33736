"""Differential test: Stormdesk's alias engine against StackStorm's own code.

Runs in the real StackStorm's venv (it imports st2common). Generates alias
formats and commands (regex metacharacters, quotes, key=value extras,
defaults, unicode, whitespace, optional groups, match_multiple, display vs
representation, disabled aliases), asks StackStorm's parser and matcher and
Stormdesk's (the `alias-oracle` example, over a pipe), and reports every
disagreement. Exit 1 on any.

    python differential.py --cases 4000 --seed 1 --ours target/debug/examples/alias-oracle

Cases come in families (each reported with its own count and divergences):
  base        words, parameters and defaults of the kinds above
  regex       formats with Python syntax that Rust's engines read otherwise or
              refuse, and back (open classes, set operators, escapes, flags,
              quantifiers, groups, lookarounds), valid and invalid
  whitespace  what Python's \s, \w, \d and \b take (the information separators,
              Unicode spaces, marks, numbers) in commands and formats
  defaults    defaults of every YAML type and quoting, next to other parameters
  long        long commands against formats with several free parameters
  shapes      odd format shapes in the match passes (display only, empty
              display or representation, match_multiple null/false/true mixed
              with plain formats, empty format lists) and the alias-execution
              check of a format against the alias's own

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
from st2common.models.db.actionalias import ActionAliasDB
from st2common.models.utils.action_alias_utils import extract_parameters_for_action_alias_db

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


# --- families beyond the base generator -------------------------------------

# Fragments of Python pattern syntax, each with text a command may carry for
# it (None: the fragment's characters without backslashes).
REGEX = [
    ("[", None), ("]", None), ("[a-z]", "q"), ("[^a]", "b"), ("[]a]", "]"), ("[^]a]", "b"),
    ("[[:alpha:]]", ":]"), ("[a&&b]", "&"), ("[a--b]", "-"), ("[~~]", "~"), ("[||]", "|"),
    ("[\\b]", "\b"), ("[\\s]", " "), ("[^\\s]", "x"), ("[\\S]", "x"), ("[\\w-]", "-"),
    ("[a-\\d]", "a"), ("[z-a]", "z"), ("[\\d-z]", "1"), ("[---]", "-"), ("[a-]", "-"),
    ("\\<", "<"), ("\\>", ">"), ("\\z", ""), ("\\Z", ""), ("\\A", ""), ("\\b", ""), ("\\B", ""),
    ("\\w+", "ab1"), ("\\W", "-"), ("\\d+", "42"), ("\\D", "x"), ("\\s+", " "), ("\\S+", "xy"),
    ("\\e", "e"), ("\\h", "h"), ("\\K", "K"), ("\\G", "G"), ("\\p{L}", "p{L}"), ("\\k<x>", "k<x>"),
    ("\\_", "_"), ("\\-", "-"), ("\\é", "é"), ("\\ ", " "), ("\\0", "\0"), ("\\01", "\1"),
    ("\\101", "A"), ("\\8", "8"), ("\\x41", "A"), ("\\x4", "x4"), ("\\u00e9", "é"),
    ("\\U0001F600", "\U0001F600"), ("\\U00110000", "x"), ("\\777", "x"),
    ("(?#note)", ""), ("x{,2}", "xx"), ("x{,}", "xxx"), ("x{}", "x{}"), ("x{2,1}", "xx"),
    ("x{2}{3}", "xx"), ("x**", "x"), ("x*+", "xx"), ("x++", "x"), ("x?+", "x"), ("x{1,2}?", "x"),
    ("x{99999999999}", "x"), ("(?>ab)", "ab"), ("(?=a)", ""), ("(?!a)", ""), ("(?<=a)", ""),
    ("(?<!a)", ""), ("(?<=a+)", ""), ("(?<=a|bc)", ""), ("(?<=ab|cd)", ""), ("(?<n>a)", "a"),
    ("(?P<n>a)", "a"), ("(?P<n>a)(?P=n)", "aa"), ("(?P=zz)", ""), ("(?i:ab)", "AB"),
    ("(?-i:ab)", "ab"), ("(?a)", ""), ("(?u)", ""), ("(?x)", ""), ("(?L)", ""), ("(?s:.)", "\n"),
    ("(?-s:.)", "x"), ("(?m)", ""), ("(?i-i:a)", "a"), ("(?(1)a|b)", "b"), ("(a)\\1", "aa"),
    ("(a)(?(1)b|c)", "ab"), ("()", ""), ("(?:)", ""), ("|", ""), ("a|", "a"), ("(", "("), (")", ")"),
    ("^", ""), ("$", ""), ("\\\\", "\\"), (".", "."), ("(?U)", ""), ("(?P<é>a)", "a"),
    ("(?P<1a>x)", "x"), ("$$", ""), ("^*", ""), ("\\b*", ""), ("(?", ""), ("(?P", ""),
    ("(?m:^x$)", "x"), ("(?x: a b )", "ab"), ("[\\x1f]", "\x1f"), ("(?a:\\w)", "a"),
    ("\\N{DIGIT ONE}".replace("DIGIT ONE", "NO SUCH NAME"), "1"), ("a{,3}b", "ab"),
]
SPACES = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u3000",
          "\u200b", "\ufeff", "\u180e", "\x0b", "\x0c", "\r", "\t", " "]
UNI_VALUES = ["½", "Ⅳ", "é", "e\u0301", "‿", "٣", "x\u200dy", "²", "〇", "_", "a_b", "ß", "Σ"]
WS_FRAGMENTS = [("\\s", " "), ("\\S", "x"), ("\\w", "½"), ("\\W", "‿"), ("\\d", "٣"), ("\\D", "²"),
                ("\\b", ""), ("\\B", ""), ("[\\s]", "\x1f"), ("[^\\s]", "\x1e"), ("[\\w]", "\u0301"),
                ("\\s*", "\x1c\x1d"), ("(?a)\\w", "é")]
DEFAULT_LITERALS = ["'x'", '"x"', "''", '""', "true", "false", "True", "null", "~", "1", "-1", "1.5",
                    "1e3", "0x10", "[1, 2]", "[]", "{}", "{a: 1}", '{"a": 1}', "'it''s'",
                    '"a \\"q\\" b"', "yes", "no", "2026-12-07", ".inf", "'two words'",
                    '"two words"', "'a=b'", "=", "'}'", "x}", "' x '", "'x' y", "\"x\"'y'"]


def sample(frag, text):
    return frag.replace("\\", "") if text is None else text


def fam_regex(rng):
    """A format with a Python-syntax fragment or two, and a command for it."""
    parts, cmd = [], []
    used = []
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        if r < 0.4:
            frag, text = rng.choice(REGEX)
            parts.append(frag)
            cmd.append(sample(frag, text))
        elif r < 0.75:
            name = rng.choice([n for n in NAMES if n not in used] or ["zz"])
            used.append(name)
            # A bracket or two right before a parameter: a class StackStorm
            # leaves open, closed by the parameter's own ["']?.
            prefix = rng.choice(["", "", "[", "[^", "[ ", "\\[", "[[", "]"])
            parts.append(prefix + ("{{%s}}" % name if rng.random() < 0.7 else "{{%s=d}}" % name))
            cmd.append(prefix.replace("\\", "").replace("^", "") + rng.choice(VALUES[:12]))
        else:
            w = rng.choice(WORDS)
            parts.append(w)
            cmd.append(w)
    sep = rng.choice([" ", " ", ""])
    fmt = sep.join(parts)
    command = sep.join(cmd)
    if rng.random() < 0.2:
        command = gen_command(rng, fmt, [("word", p) for p in parts])
    return extract_case(rng, fmt, command)


def fam_whitespace(rng):
    """Python's whitespace and word characters, in commands and formats."""
    words = [rng.choice(WORDS[:10]) for _ in range(rng.randint(1, 3))]
    names = rng.sample(NAMES, rng.randint(1, 3))
    parts = words + ["{{%s}}" % n for n in names]
    rng.shuffle(parts)
    if rng.random() < 0.4:
        frag, text = rng.choice(WS_FRAGMENTS)
        parts.insert(rng.randrange(len(parts) + 1), frag)
    else:
        text = None
    gap = lambda: rng.choice(SPACES) if rng.random() < 0.5 else " "
    fmt = " ".join(parts) if rng.random() < 0.7 else "".join(p + gap() for p in parts).rstrip()
    out = []
    for p in parts:
        if p.startswith("{{"):
            v = rng.choice(UNI_VALUES + VALUES[:6])
            if rng.random() < 0.3:
                v = v + rng.choice(SPACES)
            out.append(v)
        elif text is not None and p == frag:
            out.append(text)
        else:
            out.append(p)
    # Half the time the command keeps the format's own gaps (so that it can
    # match), else it picks its own.
    same = rng.random() < 0.5 and " ".join(parts) == fmt
    cmd = ""
    for i, w in enumerate(out):
        cmd += ((" " if same else gap()) if i else "") + w
    r = rng.random()
    if r < 0.3:
        cmd = rng.choice(SPACES) + cmd
    elif r < 0.6:
        cmd = cmd + rng.choice(SPACES)
    elif r < 0.7:
        cmd = cmd + " k=v" + rng.choice(SPACES)
    return extract_case(rng, fmt, cmd)


def fam_defaults(rng):
    """Defaults of every YAML type and quoting, next to other parameters."""
    parts, supplied = [], []
    for i in range(rng.randint(2, 4)):
        name = NAMES[i]
        if rng.random() < 0.6:
            d = rng.choice(DEFAULT_LITERALS)
            a, b = rng.choice([("", ""), (" ", " "), (" ", ""), ("", " ")])
            parts.append("{{%s%s=%s%s}}" % (a, name, b, d) if rng.random() < 0.5
                         else "{{ %s%s=%s%s }}" % (name, a, b, d))
        else:
            parts.append("{{%s}}" % name)
        supplied.append(rng.random() < 0.5)
    words = rng.choice(["", "set ", "run it "])
    sep = rng.choice([" ", " ", "", " to "])
    fmt = words + sep.join(parts)
    cmd_vals = [rng.choice(VALUES[:10] + ["'q'", '"q q"', "true"]) for s in supplied if s]
    cmd = words + " ".join(cmd_vals)
    if rng.random() < 0.2:
        cmd = cmd + " " + rng.choice(NAMES[:4]) + "=" + rng.choice(["1", "'x y'", "true"])
    return extract_case(rng, fmt, cmd.rstrip() if rng.random() < 0.8 else cmd)


def fam_long(rng):
    """A long command against a format with several free parameters."""
    n = rng.randint(3, 6)
    names = NAMES[:n]
    lits = ["to", "on", "with", "and", "at"]
    parts = []
    for i, nm in enumerate(names):
        parts.append("{{%s}}" % nm)
        if rng.random() < 0.4 and i < n - 1:
            parts.append(rng.choice(lits))
    head = rng.choice(["", "deploy ", "run "])
    fmt = head + " ".join(parts)
    words = []
    for p in parts:
        if p.startswith("{{"):
            # Stray quotes make Python's own search explode (seconds for a
            # few hundred characters), so the longest values are plain words.
            k = rng.choice([1, 1, 2, 5, 20, 60])
            pool = ["web", "x", "ünï", "a.b", "'q'", "1", "'r s'"] if k > 20 else \
                ["web", "x", "ünï", "a.b", "'q'", "1", "'", '"', "{a}", "'r s'"]
            words.extend(rng.choice(pool) for _ in range(k))
        else:
            words.append(p)
    cmd = head + " ".join(words)
    r = rng.random()
    if r < 0.2:
        cmd += " !"  # a near miss for anchored formats? no: the last parameter takes it
    elif r < 0.3:
        cmd = cmd.replace(" to ", " ", 1)
    elif r < 0.4:
        cmd += " k=v w=x"
    if rng.random() < 0.3:
        aliases = [{"name": "long", "pack": "p", "action_ref": "p.act", "formats": [fmt]},
                   {"name": "other", "pack": "p", "action_ref": "p.act", "formats": [gen_format(rng)[0]]}]
        return {"op": "match", "aliases": aliases, "command": cmd}, theirs_match(aliases, cmd)
    return extract_case(rng, fmt, cmd)


SHAPES = [
    lambda f: {"display": ""},
    lambda f: {"display": None},
    lambda f: {"display": "help only"},
    lambda f: {"representation": ""},
    lambda f: {"representation": []},
    lambda f: {"representation": None},
    lambda f: {"display": "", "representation": [f]},
    lambda f: {"representation": [f], "match_multiple": None},
    lambda f: {"representation": [f], "match_multiple": False},
    lambda f: {"representation": [f], "match_multiple": True},
    lambda f: {"display": f, "representation": [f], "match_multiple": True},
    lambda f: {},
    lambda f: f,
    lambda f: f,
]


def fam_shapes(rng):
    """Odd format shapes in the match passes, and the execution check."""
    aliases, bases = [], []
    for i in range(rng.randint(1, 3)):
        formats = []
        for _ in range(rng.randint(0, 3)):
            fmt, parts = gen_format(rng)
            bases.append((fmt, parts))
            formats.append(rng.choice(SHAPES)(fmt))
        aliases.append({"name": "a%d" % i, "pack": "p", "action_ref": "p.act",
                        "enabled": rng.random() > 0.05, "formats": formats})
    if bases and rng.random() < 0.7:
        fmt, parts = rng.choice(bases)
        cmd = gen_command(rng, fmt, parts)
    else:
        cmd = rng.choice(["", " ", "help only", "deploy"])
    if rng.random() < 0.3 and bases:
        alias = rng.choice(aliases)
        fmt = rng.choice([b[0] for b in bases] + ["help only", "", "h"])
        multiple = rng.random() < 0.3
        case = {"op": "for_alias", "alias": alias, "format": fmt, "command": cmd, "match_multiple": multiple}
        return case, theirs_for_alias(alias, fmt, cmd, multiple)
    return {"op": "match", "aliases": aliases, "command": cmd}, theirs_match(aliases, cmd)


def extract_case(rng, fmt, cmd):
    multiple = rng.random() < 0.12
    return ({"op": "extract", "format": fmt, "command": cmd, "match_multiple": multiple},
            theirs_extract(fmt, cmd, multiple))


def theirs_for_alias(alias, fmt, cmd, multiple):
    """`extract_parameters_for_action_alias_db`, on a real ActionAliasDB."""
    db = ActionAliasDB(name=alias["name"], pack=alias["pack"], action_ref=alias["action_ref"],
                       formats=alias["formats"], enabled=True)
    try:
        got = extract_parameters_for_action_alias_db(db, fmt, cmd, match_multiple=multiple)
    except ParseException as e:
        return {"error": str(e)}
    except ValueError as e:
        return {"error": str(e)}
    except Exception as e:  # noqa: BLE001
        return {"error": "%s: %s" % (type(e).__name__, e), "class": "other"}
    sets = got if multiple else [got]
    return {"params": [list(s.items()) for s in sets]}


def fam_base(rng):
    if rng.random() < 0.6:
        fmt, parts = gen_format(rng)
        cmd = gen_command(rng, fmt, parts)
        multiple = rng.random() < 0.15
        return ({"op": "extract", "format": fmt, "command": cmd, "match_multiple": multiple},
                theirs_extract(fmt, cmd, multiple))
    aliases, bases = gen_aliases(rng)
    fmt, parts = rng.choice(bases)
    cmd = gen_command(rng, fmt, parts)
    return {"op": "match", "aliases": aliases, "command": cmd}, theirs_match(aliases, cmd)


FAMILIES = [("base", fam_base, 0.4), ("regex", fam_regex, 0.2), ("whitespace", fam_whitespace, 0.12),
            ("defaults", fam_defaults, 0.12), ("long", fam_long, 0.06), ("shapes", fam_shapes, 0.1)]


# A case StackStorm's own code needs longer than this for is one no person
# waits for: Stormdesk may say the match is too much work (never "no match").
SLOW = 1.0


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
            # (re.error's text, or the KeyError, ValueError …) must start with
            # ours, with or without the exception's name.
            t = theirs["error"]
            bare = t.split(": ", 1)[1] if ": " in t and t.split(": ", 1)[0].isidentifier() else t
            reason = ours.get("reason")
            return reason is not None and (t.startswith(reason) or bare.startswith(reason))
        return theirs["error"] == ours["error"]
    return theirs == ours


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--family", action="append", help="only these families (default: all)")
    ap.add_argument("--seconds", type=float, default=300, help="stop generating after this long")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    families = [f for f in FAMILIES if not args.family or f[0] in args.family]
    total = sum(w for _, _, w in families)
    t0 = time.time()
    cases, expected, tags = [], [], []
    while len(cases) < args.cases and time.time() - t0 < args.seconds:
        r = rng.random() * total
        for name, make, w in families:
            r -= w
            if r <= 0:
                break
        started = time.time()
        case, theirs = make(rng)
        if time.time() - started > SLOW:
            theirs["slow"] = True
        cases.append(case)
        expected.append(theirs)
        tags.append(name)
    generated = time.time() - t0
    feed = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    t1 = time.time()
    out = subprocess.run([args.ours], input=feed, capture_output=True, text=True, check=True).stdout
    ours_s = time.time() - t1
    # Not splitlines(): that also splits at U+2028, U+0085 and U+001C–U+001E.
    answers = [json.loads(line) for line in out.split("\n") if line]
    assert len(answers) == len(cases), "the oracle answered %d of %d" % (len(answers), len(cases))
    diverged = []
    # cases, refused, divergences, of which only the words of a refusal, too slow
    per = {name: [0, 0, 0, 0, 0] for name, _, _ in families}
    for case, theirs, ours, tag in zip(cases, expected, answers, tags):
        per[tag][0] += 1
        per[tag][1] += "error" in theirs
        mine = normalise(ours)
        if theirs.pop("slow", False) and "is too much work" in mine.get("error", ""):
            # StackStorm itself took seconds; ours says it gave up, never "no match".
            per[tag][4] += 1
            continue
        if not agree(theirs, mine):
            per[tag][2] += 1
            per[tag][3] += "error" in theirs and "error" in mine
            diverged.append((tag, case, theirs, mine))
    for tag, case, theirs, mine in diverged[:25]:
        print("DIVERGES [%s]" % tag, json.dumps(case, ensure_ascii=False))
        print("  StackStorm:", json.dumps(theirs, ensure_ascii=False))
        print("  Stormdesk: ", json.dumps(mine, ensure_ascii=False))
    print("%-11s %7s %9s %11s %9s %9s" % ("family", "cases", "refused", "divergences", "(wording)",
                                          "too slow"))
    for name, (n, refused, d, words, slow) in per.items():
        print("%-11s %7d %9d %11d %9d %9d" % (name, n, refused, d, words, slow))
    print("differential (seed %d): %d cases, %d divergences; StackStorm's side %.1f s, Stormdesk's %.1f s"
          % (args.seed, len(cases), len(diverged), generated, ours_s))
    print("%d passed, %d failed" % (len(cases) - len(diverged), len(diverged)))
    sys.exit(1 if diverged else 0)


if __name__ == "__main__":
    main()
