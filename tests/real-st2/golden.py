"""Golden exchanges between a client and real StackStorm.

    golden.py record --url http://127.0.0.1:8080 --out FILE   # ask the real server
    golden.py compare NEW OLD                                 # the same answers?

Each exchange is a request Stormdesk (or the st2 CLI) makes, with what
matters of the answer: the status, StackStorm's `faultstring`, the fields of
the body (of its first item for a list), the headers clients read, and for a
few, the whole text. `crates/stormdesk-sim/tests/golden.rs` replays the
committed file (`tests/golden/exchanges.json`) against the simulator, loaded
with the same conformance pack; `run.sh` records afresh and compares, so the
committed file stays what the real server says.

Standard library only: runs with any Python 3.
"""

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request

USER, PASSWORD = "st2admin", "Ch@ngeMe"
TRIGGER = "core.st2.generic.notifytrigger"

# (name, method, path, body or None, what to keep exactly besides the shape)
# `{token}` marks the auth header, `{exec}` the execution started by "alias execution".
EXCHANGES = [
    ("token: wrong password", "POST", "/auth/v1/tokens", {}, "basic-wrong", []),
    ("token", "POST", "/auth/v1/tokens", {}, "basic", []),
    ("aliases of a pack", "GET", "/api/v1/actionalias?pack=stormdesk_conformance&limit=100", None, "token", []),
    ("alias by ref", "GET", "/api/v1/actionalias/stormdesk_conformance.conf_greet", None, "token", ["formats", "ack", "result", "action_ref", "ref"]),
    ("alias by ref: unknown", "GET", "/api/v1/actionalias/nope.nope", None, "token", []),
    ("aliases: bad token", "GET", "/api/v1/actionalias", None, "bad-token", []),
    ("alias match", "POST", "/api/v1/actionalias/match", {"command": "conf greet bob"}, "token", ["display", "representation"]),
    ("alias match: none", "POST", "/api/v1/actionalias/match", {"command": "conf nothing at all"}, "token", []),
    ("alias match: ambiguous", "POST", "/api/v1/actionalias/match", {"command": "conf twin x"}, "token", []),
    ("alias match: disabled", "POST", "/api/v1/actionalias/match", {"command": "conf off"}, "token", []),
    ("alias help", "GET", "/api/v1/actionalias/help?pack=stormdesk_conformance", None, "token", ["available", "helpstrings"]),
    ("match_and_execute: source_context", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": "conf greet bob", "user": "u", "source_channel": "c", "source_context": {}}, "token", []),
    ("match_and_execute: two unknown fields", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": "conf greet bob", "user": "u", "source_channel": "c", "a": 1, "b": 2}, "token", []),
    ("match_and_execute: no command", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"user": "u", "source_channel": "c"}, "token", []),
    ("match_and_execute: no user", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": "conf greet bob", "source_channel": "c"}, "token", []),
    ("match_and_execute: command not a string", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": 5, "user": "u", "source_channel": "c"}, "token", []),
    ("match_and_execute: no match", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": "conf nothing at all", "user": "u", "source_channel": "c"}, "token", []),
    ("match_and_execute", "POST", "/api/v1/aliasexecution/match_and_execute",
     {"command": "conf wave one", "user": "u", "source_channel": "c", "notification_route": "stormdesk"}, "token", []),
    ("alias execution", "POST", "/api/v1/aliasexecution",
     {"name": "conf_greet", "format": "conf greet {{name=world}}", "command": "conf greet bob", "user": "u",
      "source_channel": "stormdesk:v1:pane:golden", "notification_route": "stormdesk",
      "source_context": {"stormdesk": {"v": 1, "request": "golden"}}}, "token", ["message"]),
    ("alias execution: unknown alias", "POST", "/api/v1/aliasexecution",
     {"name": "nope", "format": "x", "command": "x", "user": "u", "source_channel": "c"}, "token", []),
    ("alias execution: disabled alias", "POST", "/api/v1/aliasexecution",
     {"name": "conf_off", "format": "conf off", "command": "conf off", "user": "u", "source_channel": "c"}, "token", []),
    ("alias execution: format not the alias's", "POST", "/api/v1/aliasexecution",
     {"name": "conf_greet", "format": "conf hello", "command": "conf hello", "user": "u", "source_channel": "c"}, "token", []),
    ("alias execution: command not the format's", "POST", "/api/v1/aliasexecution",
     {"name": "conf_count", "format": "conf count to {{n}}", "command": "conf count", "user": "u", "source_channel": "c"}, "token", []),
    ("alias execution: integer parameter not an integer", "POST", "/api/v1/aliasexecution",
     {"name": "conf_count", "format": "conf count to {{n}}", "command": "conf count to many", "user": "u", "source_channel": "c"}, "token", []),
    ("alias execution: an immutable parameter set", "POST", "/api/v1/aliasexecution",
     {"name": "conf_fixed", "format": "conf fixed count", "command": "conf fixed count n=5", "user": "u", "source_channel": "c"}, "token", []),
    ("alias by ref: immutable parameters", "GET", "/api/v1/actionalias/stormdesk_conformance.conf_fixed", None, "token", ["immutable_parameters", "action_ref", "ref"]),
    ("alias execution: unknown field", "POST", "/api/v1/aliasexecution",
     {"name": "conf_greet", "format": "conf greet {{name=world}}", "command": "conf greet x", "user": "u", "source_channel": "c", "zzz": 1}, "token", []),
    ("alias execution: no name", "POST", "/api/v1/aliasexecution",
     {"format": "x", "command": "x", "user": "u", "source_channel": "c"}, "token", []),
    ("execution", "GET", "/api/v1/executions/{exec}", None, "token", ["status", "parameters"]),
    ("execution: unknown", "GET", "/api/v1/executions/000000000000000000000000", None, "token", []),
    ("executions: limit 0", "GET", "/api/v1/executions?limit=0", None, "token", []),
    ("executions of an action", "GET", "/api/v1/executions?action=stormdesk_conformance.greet&limit=1", None, "token", []),
    ("execution output", "GET", "/api/v1/executions/{exec}/output", None, "token", ["text"]),
    ("cancel: unknown execution", "DELETE", "/api/v1/executions/000000000000000000000000", None, "token", []),
    ("pause: unknown execution", "PUT", "/api/v1/executions/000000000000000000000000", {"status": "pausing"}, "token", []),
    ("re-run: unknown execution", "POST", "/api/v1/executions/000000000000000000000000/re_run", {}, "token", []),
    ("inquiry: unknown", "GET", "/api/v1/inquiries/000000000000000000000000", None, "token", []),
    ("inquiry answer: no id", "PUT", "/api/v1/inquiries/000000000000000000000000", {"response": {}}, "token", []),
    ("notify rules", "GET", "/api/v1/rules?trigger_type=" + TRIGGER + "&pack=chatops", None, "token", []),
]


def call(base, method, path, body, auth, token):
    headers = {"Content-Type": "application/json"}
    if auth == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    elif auth == "basic-wrong":
        headers["Authorization"] = "Basic " + base64.b64encode(("%s:wrong" % USER).encode()).decode()
    elif auth == "token":
        headers["X-Auth-Token"] = token
    elif auth == "bad-token":
        headers["X-Auth-Token"] = "0123456789abcdef0123456789abcdef"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def shape(status, headers, text, keep):
    out = {"status": status}
    ctype = headers.get("Content-Type", "")
    if "json" in ctype:
        body = json.loads(text) if text else None
        if isinstance(body, dict) and "faultstring" in body:
            out["faultstring"] = body["faultstring"]
        first = body[0] if isinstance(body, list) and body else body
        out["kind"] = "list" if isinstance(body, list) else type(body).__name__
        if isinstance(first, dict):
            out["fields"] = sorted(first.keys())
            out["exact"] = {k: first[k] for k in keep if k in first}
        if isinstance(body, list):
            out["x_total_count"] = "X-Total-Count" in headers
    else:
        out["kind"] = "text"
        if "text" in keep:
            out["exact"] = {"text": text}
    return out


def token_for(base):
    _, _, text = call(base, "POST", "/auth/v1/tokens", {}, "basic", None)
    return json.loads(text)["token"]


def record(base):
    token = token_for(base)
    exec_id = None
    results = []
    for name, method, path, body, auth, keep in EXCHANGES:
        if "{exec}" in path:
            # Let the execution end: its fields are those of a finished one.
            for _ in range(100):
                s, _, t = call(base, "GET", "/api/v1/executions/" + exec_id, None, "token", token)
                if json.loads(t).get("status") in ("succeeded", "failed"):
                    break
                time.sleep(0.2)
            path = path.replace("{exec}", exec_id)
        status, headers, text = call(base, method, path, body, auth, token)
        got = shape(status, headers, text, keep)
        if name == "alias execution":
            exec_id = json.loads(text)["execution"]["id"]
        shown = path.replace(exec_id, "{exec}") if exec_id else path
        results.append({"name": name, "method": method, "path": shown, "body": body, "auth": auth, "answer": got})
    return results


def sse_events(resp):
    """(event name, data) for each event of a `text/event-stream` response."""
    name, data = None, []
    for raw in resp:
        line = raw.decode().rstrip("\n")
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and name:
            yield name, "\n".join(data)
            name, data = None, []


def record_stream(base, token, seconds=25):
    """The stream's events for one alias execution on route `stormdesk`: our
    execution's creates and updates, the chatops chain's (with the stormdesk
    pack), and the announcement."""
    import threading
    events = []
    url = base + "/stream/v1/stream?events=st2.execution__create,st2.execution__update,st2.announcement__stormdesk"
    req = urllib.request.Request(url, headers={"X-Auth-Token": token})
    resp = urllib.request.urlopen(req, timeout=seconds + 5)
    live = threading.Event()

    def read():
        live.set()
        try:
            for name, text in sse_events(resp):
                events.append((name, json.loads(text)))
        except Exception:  # noqa: BLE001 - the stream is closed at the end
            pass

    t = threading.Thread(target=read, daemon=True)
    t.start()
    live.wait(5)
    time.sleep(1)
    status, _, text = call(base, "POST", "/api/v1/aliasexecution", {
        "name": "conf_greet", "format": "conf greet {{name=world}}", "command": "conf greet stream",
        "user": "u", "source_channel": "stormdesk:v1:pane:golden", "notification_route": "stormdesk",
        "source_context": {"stormdesk": {"v": 1, "request": "golden-stream"}}}, "token", token)
    ours = json.loads(text)["execution"]["id"]
    deadline = time.time() + seconds
    def done():
        # Our announcement, and the end of the post_result run for ours.
        announced = any(n.startswith("st2.announcement")
                        and (d.get("payload", {}).get("context") or {}).get("stormdesk", {}).get("request") == "golden-stream"
                        for n, d in list(events))
        posted = any(d.get("action", {}).get("ref") == "chatops.post_result" and d.get("status") == "succeeded"
                     and d.get("parameters", {}).get("execution_id") == ours for n, d in list(events))
        return announced and posted

    while time.time() < deadline and not done():
        time.sleep(0.2)
    time.sleep(1)
    resp.close()
    # Only what belongs to our execution: its announcement (our request in
    # its context) and the chain started for it (post_result and
    # format_execution_result name it; post_message's parent is that
    # post_result).
    posters = {d.get("id") for n, d in events if d.get("action", {}).get("ref") == "chatops.post_result"
               and d.get("parameters", {}).get("execution_id") == ours}
    seq = []
    for name, d in events:
        if name.startswith("st2.announcement"):
            p = d.get("payload", {})
            if (p.get("context") or {}).get("stormdesk", {}).get("request") != "golden-stream":
                continue
            seq.append({"event": name, "payload_fields": sorted(p), "message": p.get("message"),
                        "context": p.get("context"), "channel": p.get("channel")})
            continue
        ref = d.get("action", {}).get("ref", "")
        params = d.get("parameters", {})
        parent = (d.get("context") or {}).get("parent", {}).get("execution_id")
        if d.get("id") == ours:
            seq.append({"event": name, "who": "ours", "action": ref, "status": d.get("status")})
        elif params.get("execution_id") == ours or parent in posters:
            seq.append({"event": name, "who": "chatops chain", "action": ref, "status": d.get("status")})
    return seq


def read_output(base, token, execution_id, seconds=30):
    """`/stream/v1/executions/{id}/output` up to its EOF: each frame's event,
    its data's fields, and what it printed."""
    url = base + "/stream/v1/executions/%s/output" % execution_id
    req = urllib.request.Request(url, headers={"X-Auth-Token": token})
    resp = urllib.request.urlopen(req, timeout=seconds)
    frames = []
    for name, text in sse_events(resp):
        if name == "EOF":
            frames.append({"event": name, "data": text})
            break
        d = json.loads(text)
        frames.append({"event": name, "fields": sorted(d), "output_type": d.get("output_type"),
                       "data": d.get("data")})
    resp.close()
    return frames


def record_output(base, token):
    """One shell action's output stream while it runs, then again once it
    ended (a replay): `conf tick 2` prints a line a second and one on stderr."""
    status, _, text = call(base, "POST", "/api/v1/aliasexecution", {
        "name": "conf_ticker", "format": "conf tick {{count=3}}", "command": "conf tick 2",
        "user": "u", "source_channel": "stormdesk:v1:pane:golden"}, "token", token)
    execution_id = json.loads(text)["execution"]["id"]
    live = read_output(base, token, execution_id)
    replay = read_output(base, token, execution_id)
    return {"live": live, "replay": replay}


# Fields and texts that hold ids, times or hosts: same shape, different value.
VOLATILE = {"message"}


def compare(new, old):
    by_name = {e["name"]: e for e in old}
    problems = []
    for e in new:
        o = by_name.get(e["name"])
        if o is None:
            problems.append("%s: not in the committed file" % e["name"])
            continue
        a, b = e["answer"], o["answer"]
        for k in ("status", "faultstring", "kind", "fields", "x_total_count"):
            if a.get(k) != b.get(k):
                problems.append("%s: %s is %r now, %r committed" % (e["name"], k, a.get(k), b.get(k)))
        ea, eb = a.get("exact", {}), b.get("exact", {})
        for k in set(ea) | set(eb):
            if k not in VOLATILE and ea.get(k) != eb.get(k) and k != "text":
                problems.append("%s: %s is %r now, %r committed" % (e["name"], k, ea.get(k), eb.get(k)))
    return problems


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--url", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--stream-out", help="also record one execution's stream events here")
    r.add_argument("--output-out", help="also record one execution's output stream here")
    co = sub.add_parser("compare-output")
    co.add_argument("new")
    co.add_argument("old")
    cs = sub.add_parser("compare-stream")
    cs.add_argument("new")
    cs.add_argument("old")
    c = sub.add_parser("compare")
    c.add_argument("new")
    c.add_argument("old")
    args = ap.parse_args()
    if args.cmd == "record":
        base = args.url.rstrip("/")
        # The stream first: nothing else is running yet.
        seq = record_stream(base, token_for(base)) if args.stream_out else None
        output = record_output(base, token_for(base)) if args.output_out else None
        results = record(base)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")
        print("recorded %d exchanges into %s" % (len(results), args.out))
        if seq is not None:
            with open(args.stream_out, "w") as f:
                json.dump(seq, f, indent=1, ensure_ascii=False, sort_keys=True)
                f.write("\n")
            print("recorded %d stream events into %s" % (len(seq), args.stream_out))
        if output is not None:
            with open(args.output_out, "w") as f:
                json.dump(output, f, indent=1, ensure_ascii=False, sort_keys=True)
                f.write("\n")
            print("recorded %d + %d output frames into %s" % (len(output["live"]), len(output["replay"]), args.output_out))
    elif args.cmd == "compare-output":
        new, old = (json.load(open(p)) for p in (args.new, args.old))
        same = new == old
        if not same:
            print("DRIFT output: %r now, %r committed" % (new, old))
        print("golden output: %s" % ("same" if same else "differs"))
        sys.exit(0 if same else 1)
    elif args.cmd == "compare-stream":
        new, old = (json.load(open(p)) for p in (args.new, args.old))

        def essence(seq):
            ours = []
            for e in seq:
                if e.get("who") == "ours" and (not ours or ours[-1] != e["status"]):
                    ours.append(e["status"])
            chain = sorted({e["action"] for e in seq if e.get("who") == "chatops chain"})
            ann = [e for e in seq if e["event"].startswith("st2.announcement")]
            return {"statuses": ours, "chain": chain, "announcements": ann}
        a, b = essence(new), essence(old)
        for k in a:
            if a[k] != b[k]:
                print("DRIFT stream %s: %r now, %r committed" % (k, a[k], b[k]))
        print("golden stream: %s" % ("same" if a == b else "differs"))
        sys.exit(0 if a == b else 1)
    else:
        new, old = (json.load(open(p)) for p in (args.new, args.old))
        problems = compare(new, old)
        for p in problems:
            print("DRIFT", p)
        print("golden: %d exchanges, %d differ from the committed file" % (len(new), len(problems)))
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
