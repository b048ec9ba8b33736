import { beforeEach, describe, expect, it, vi } from "vitest";
import { jsonTree, LIVE_MAX, Pane, parseChanges, timeLeft } from "../pane";
import { makeEntry, type DataOf, type EntryKind } from "../entries";
import type { Entry } from "../types";

const entry = <K extends EntryKind>(
  kind: K,
  o: { id: number; text?: string; execution_id?: string | null; data?: Partial<DataOf<K>> },
): Entry => makeEntry(kind, o.text ?? "", o.data, { id: o.id, ts: "2026-11-26T10:00:00.000Z", profile: "demo", execution_id: o.execution_id ?? null });

describe("pane", () => {
  let root: HTMLOListElement;
  let pane: Pane;
  beforeEach(() => {
    document.body.innerHTML = '<ol id="pane"></ol>';
    root = document.getElementById("pane") as HTMLOListElement;
    pane = new Pane(root);
  });

  it("shows server text as text: no script, no image, no handler runs", () => {
    const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    pane.add(entry("announcement", { id: 1, text: evil }));
    pane.add(entry("result", { id: 2, text: evil, execution_id: "e1", data: { status: "succeeded" } }));
    expect(root.querySelectorAll("script, img").length).toBe(0);
    const bodies = [...root.querySelectorAll(".body")].map((b) => b.textContent);
    expect(bodies).toEqual([evil, evil]);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("shows an entry once, collapses long results, updates status in place", () => {
    pane.add(entry("ack", { id: 5, execution_id: "e9", text: "Deploying", data: { status: "requested", web_url: "http://st2/#/history/e9" } }));
    pane.add(entry("ack", { id: 5, execution_id: "e9", text: "Deploying" }));
    pane.add(entry("status", { id: 6, execution_id: "e9", text: "running", data: { status: "running" } }));
    expect(root.children.length).toBe(1);
    expect(root.querySelector(".badge")?.textContent).toBe("running");
    expect(root.querySelector("a.link")?.getAttribute("rel")).toContain("noopener");

    pane.add(entry("result", { id: 7, execution_id: "e9", data: { status: "failed" }, text: Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") }));
    expect(root.querySelector(".badge")?.textContent).toBe("failed");
    expect(root.querySelector(".long button.show-all")?.textContent).toBe("show all 30 lines");
  });

  it("streams live output into the running card as text, stderr marked, until the result replaces it", () => {
    pane.add(entry("ack", { id: 1, execution_id: "b1", text: "Building", data: { status: "running" } }));
    pane.addOutput("b1", [{ stream: "stdout", text: "[1/3] fetch\n" }]);
    pane.addOutput("b1", [
      { stream: "stdout", text: "<img src=x onerror=\"window.__pwned = 3\">\n" },
      { stream: "stderr", text: "warning: old\n" },
    ]);
    const live = root.querySelector("li[data-execution=b1] pre.live-output") as HTMLElement;
    expect(live.textContent).toBe('[1/3] fetch\n<img src=x onerror="window.__pwned = 3">\nwarning: old\n');
    expect(live.querySelectorAll("img").length).toBe(0);
    expect(live.querySelector(".stderr")?.textContent).toBe("warning: old\n");
    // Output for a card not on screen, or another execution's: ignored.
    pane.addOutput("nope", [{ stream: "stdout", text: "x" }]);
    expect(root.querySelectorAll("pre.live-output").length).toBe(1);
    // The result replaces it; late output does not bring it back.
    pane.add(entry("result", { id: 2, execution_id: "b1", text: "[1/3] fetch", data: { status: "succeeded" } }));
    expect(root.querySelector("pre.live-output")).toBeNull();
    pane.addOutput("b1", [{ stream: "stdout", text: "late\n" }]);
    expect(root.querySelector("pre.live-output")).toBeNull();
  });

  it("keeps only the latest live output and says earlier output is not shown", () => {
    pane.add(entry("ack", { id: 1, execution_id: "f1", text: "Flooding", data: { status: "running" } }));
    const line = "x".repeat(1023) + "\n";
    for (let i = 0; i < 100; i++) pane.addOutput("f1", [{ stream: "stdout", text: line }]);
    pane.addOutput("f1", [{ stream: "stdout", text: "the end\n" }]);
    const live = root.querySelector("pre.live-output") as HTMLElement;
    const kept = [...live.querySelectorAll("span:not(.dropped)")].map((s) => s.textContent ?? "").join("");
    expect(kept.length).toBe(LIVE_MAX);
    expect(kept.endsWith("the end\n")).toBe(true);
    expect(live.querySelectorAll(".dropped").length).toBe(1);
    expect(live.firstElementChild?.textContent).toContain("earlier output not shown");
  });

  it("lists a workflow's tasks on its card, each updated in place", () => {
    pane.add(entry("ack", { id: 1, execution_id: "wf", text: "Flow", data: { status: "running", workflow: true } }));
    pane.addTask("wf", "t1", "one", "running");
    pane.addTask("wf", "t1", "one", "succeeded");
    pane.addTask("wf", "t2", "two", "running");
    pane.addTask("other", "t9", "nine", "running");
    const rows = [...root.querySelectorAll("ol.tasks li")].map((r) => `${r.querySelector(".name")?.textContent} ${r.querySelector(".badge")?.textContent}`);
    expect(rows).toEqual(["one succeeded", "two running"]);
    pane.addOutput("wf", [{ stream: "stdout", text: "done 1\n" }]);
    pane.add(entry("result", { id: 2, execution_id: "wf", text: "{}", data: { status: "succeeded" } }));
    // What ran stays; the output went with the result.
    expect(root.querySelectorAll("ol.tasks li").length).toBe(2);
    expect(root.querySelector("pre.live-output")).toBeNull();
  });

  it("reads re-run changes as key=value, quotes holding spaces, and names what is not", () => {
    expect(parseChanges(' env=prod  note="two words" n=3 empty=')).toEqual({ changes: ["env=prod", "note=two words", "n=3", "empty="] });
    expect(parseChanges("")).toEqual({ changes: [] });
    expect(parseChanges("env=prod oops").error).toBe('"oops" is not key=value');
  });

  it("re-runs with changed parameters from the result card; the action's refusal shows there", async () => {
    const calls: Array<[string, string[]]> = [];
    let refuse = true;
    pane = new Pane(root, {
      openLink: () => {},
      rerunWith: async (id, changes) => {
        calls.push([id, changes]);
        if (refuse) throw { kind: "input", message: 'seconds: "soon" is not a whole number' };
        return [entry("ack", { id: 50, execution_id: "e51", text: "Re-run of e50: ops.sleep", data: { status: "requested" } })];
      },
    });
    pane.add(entry("result", { id: 49, execution_id: "e50", text: "slept 2s", data: { status: "succeeded", parameters: { seconds: 2, host: "web1" } } }));
    const card = root.querySelector("li[data-execution=e50]") as HTMLElement;
    const open = card.querySelector("button.rerun-with") as HTMLButtonElement;
    const form = card.querySelector("form.rerun-form") as HTMLFormElement;
    expect(form.hidden).toBe(true);
    open.click();
    expect(form.hidden).toBe(false);
    expect(card.querySelector(".rerun-form .facts")?.textContent).toBe("ran with: seconds=2  host=web1");
    const input = form.querySelector("input") as HTMLInputElement;
    input.value = "seconds=soon";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([["e50", ["seconds=soon"]]]);
    expect(form.querySelector(".control-error")?.textContent).toContain("not a whole number");
    refuse = false;
    input.value = "seconds=5";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls[1]).toEqual(["e50", ["seconds=5"]]);
    expect(form.hidden).toBe(true);
    expect(root.querySelector("li[data-execution=e51]")?.textContent).toContain("Re-run of e50");
    // Nonsense is caught before anything is sent.
    open.click();
    input.value = "just words";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(calls).toHaveLength(2);
    expect(form.querySelector(".control-error")?.textContent).toContain("is not key=value");
  });

  it("counts an inquiry's time down while it waits, and stops once it is answered", () => {
    vi.useFakeTimers();
    try {
      const now = new Date("2026-11-29T10:00:00.000Z");
      vi.setSystemTime(now);
      const respond = async () => [];
      pane = new Pane(root, { openLink: () => {}, respond });
      // Asked 59 min ago with a 60 min ttl: a minute left.
      const asked = new Date(now.getTime() - 59 * 60_000).toISOString();
      pane.add(makeEntry("inquiry", "Go?", { fields: [], users: [], roles: [], ttl: 60, route: "r" }, { id: 1, ts: asked, profile: "demo", execution_id: "q1" }));
      const line = () => root.querySelector(".expiry")?.textContent;
      expect(line()).toBe("expires in 60 s");
      vi.advanceTimersByTime(15_000);
      expect(line()).toBe("expires in 45 s");
      vi.advanceTimersByTime(46_000);
      expect(line()).toMatch(/^expired /);
      expect(vi.getTimerCount()).toBe(0);
      // Another, answered elsewhere: its line goes and nothing keeps ticking.
      pane.add(makeEntry("inquiry", "Again?", { fields: [], users: [], roles: [], ttl: 60, route: "r" }, { id: 2, ts: new Date().toISOString(), profile: "demo", execution_id: "q2" }));
      expect(root.querySelector("li[data-execution=q2] .expiry")?.textContent).toBe("expires in 60 min");
      expect(vi.getTimerCount()).toBe(1);
      pane.add(makeEntry("note", "Answered elsewhere", { kind: "inquiry_closed" }, { id: 3, ts: new Date().toISOString(), profile: "demo", execution_id: "q2" }));
      expect(root.querySelector("li[data-execution=q2] .expiry")).toBeNull();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    expect(timeLeft(Date.now() + 3 * 3_600_000, Date.now())).toMatch(/^expires in 3 h \(/);
  });

  it("forgets everything of the profile it showed when it is cleared: a closing note after a switch is shown, not swallowed", () => {
    const respond = async () => [];
    const control = async () => [];
    pane = new Pane(root, { openLink: () => {}, respond, control });
    pane.add(makeEntry("inquiry", "Go?", { fields: [], users: [], roles: [], ttl: 60, route: "r" }, { id: 1, ts: new Date().toISOString(), profile: "prod", execution_id: "q1" }));
    pane.add(entry("ack", { id: 2, execution_id: "e1", text: "Deploying", data: { status: "running", workflow: true } }));
    expect([...root.querySelectorAll("button.control")].map((b) => b.textContent)).toEqual(["Cancel", "Pause", "Resume"]);
    // A profile switch: the pane shows the other profile's history.
    pane.clear();
    // The other profile's history holds that inquiry's answer (the same
    // server seen through two profiles): it is a note of its own now.
    pane.add(makeEntry("note", "Answered by ann", { kind: "inquiry_answered" }, { id: 10, ts: new Date().toISOString(), profile: "staging", execution_id: "q1" }));
    expect(root.children.length).toBe(1);
    expect(root.textContent).toContain("Answered by ann");
    // A status for the old profile's execution finds no card to change.
    pane.add(entry("status", { id: 11, execution_id: "e1", text: "succeeded", data: { status: "succeeded" } }));
    expect(root.querySelector(".badge")).toBeNull();
    // And the old profile's entries, shown again, are whole again.
    pane.clear();
    pane.add(entry("ack", { id: 2, execution_id: "e1", text: "Deploying", data: { status: "running", workflow: true } }));
    expect([...root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(expect.arrayContaining(["Cancel", "Pause"]));
  });

  it("folds a long output to its first lines with show all / show less; Copy gives it all", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    let copied = "";
    Object.defineProperty(navigator, "clipboard", { value: { writeText: async (t: string) => { copied = t; } }, configurable: true });
    pane.add(entry("result", { id: 60, execution_id: "e60", text: long, data: { status: "succeeded" } }));
    const pre = root.querySelector(".long pre.body") as HTMLElement;
    const toggle = root.querySelector(".long button.show-all") as HTMLButtonElement;
    expect(pre.textContent).toBe(long.split("\n").slice(0, 12).join("\n"));
    toggle.click();
    expect(pre.textContent).toBe(long);
    expect(toggle.textContent).toBe("show less");
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    toggle.click();
    expect(pre.textContent?.split("\n").length).toBe(12);
    (root.querySelector("button.copy") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 0));
    expect(copied).toBe(long);
  });

  it("shows a JSON result as a tree of text: folding, keys, typed leaves, nothing run", () => {
    const result = { message: "Action canceled by user.", user: "st2admin", hosts: ["web1", "<img src=x onerror=alert(1)>"], nested: { deep: { deeper: { n: 3, ok: true, none: null } } } };
    const text = JSON.stringify(result, null, 2);
    pane.add(entry("result", { id: 70, execution_id: "e70", text, data: { status: "canceled", result } }));
    const tree = root.querySelector(".json-tree") as HTMLElement;
    expect(tree).not.toBeNull();
    expect(root.querySelector("img")).toBeNull();
    const keys = [...tree.querySelectorAll(":scope > details > ul > li > * > .json-key, :scope > details > ul > li > details > summary > .json-key")].map((k) => k.textContent);
    expect(keys).toEqual(["message", "user", "hosts", "nested"]);
    expect(tree.querySelector(".json-string")?.textContent).toBe('"Action canceled by user."');
    expect([...tree.querySelectorAll(".json-number, .json-boolean, .json-null")].map((x) => x.textContent)).toEqual(["3", "true", "null"]);
    // The first two levels open, deeper ones folded.
    const deep = [...tree.querySelectorAll("details")].find((d) => d.querySelector(":scope > summary .json-key")?.textContent === "deep") as HTMLDetailsElement;
    expect(deep.open).toBe(false);
    expect((tree.querySelector("details") as HTMLDetailsElement).open).toBe(true);
    // Text that is not a JSON object stays text; a huge one too.
    expect(jsonTree("plain words")).toBeNull();
    expect(jsonTree("[1, 2")).toBeNull();
    expect(jsonTree(JSON.stringify(Array.from({ length: 5000 }, (_, i) => i)))).toBeNull();
  });

  it("never links anything but http(s)", () => {
    pane.add(entry("ack", { id: 8, execution_id: "e1", text: "x", data: { web_url: "javascript:alert(1)" } }));
    expect(root.querySelector("a")).toBeNull();
  });

  it("shows a routing note for an announcement that had nowhere else to go", () => {
    pane.add(entry("announcement", { id: 9, text: "hello", data: { note: "the channel is another chat bot's JSON identifier" } }));
    expect(root.querySelector(".note")?.textContent).toContain("JSON identifier");
  });

  it("merges StackStorm's announcement of a result into that result's card", () => {
    pane.add(entry("result", { id: 20, execution_id: "e20", text: "kaffee", data: { status: "succeeded" } }));
    pane.add(entry("announcement", { id: 21, execution_id: "e20", text: "Your password: <b>kaffee</b>", data: { enriches: true } }));
    expect(root.children.length).toBe(1);
    // One text on the card: StackStorm's message, as text; the raw result
    // folded away beneath it, not shown a second time.
    const card = root.children[0] as HTMLElement;
    const shown = [...card.querySelectorAll("pre.body")].filter((p) => !p.closest("details.raw"));
    expect(shown.map((p) => p.textContent)).toEqual(["Your password: <b>kaffee</b>"]);
    expect(shown[0].classList.contains("enrichment")).toBe(true);
    expect(root.querySelector("b")).toBeNull();
    const raw = card.querySelector("details.raw") as HTMLDetailsElement;
    expect(raw.open).toBe(false);
    expect(raw.querySelector("summary")?.textContent).toBe("raw result");
    expect(raw.querySelector("pre")?.textContent).toBe("kaffee");
    // A second announcement for it replaces the message; the raw result stays one.
    pane.add(entry("announcement", { id: 23, execution_id: "e20", text: "again", data: { enriches: true } }));
    expect(card.querySelectorAll("details.raw").length).toBe(1);
    expect([...card.querySelectorAll("pre.body")].filter((p) => !p.closest("details.raw")).map((p) => p.textContent)).toEqual(["again"]);
    expect(raw.querySelector("pre")?.textContent).toBe("kaffee");
    // Without its result on screen (say, after a search) it stands alone.
    pane.add(entry("announcement", { id: 22, execution_id: "gone", text: "alone", data: { enriches: true } }));
    expect(root.children.length).toBe(2);
  });

  it("keeps a long result's raw text whole when an announcement replaces it", () => {
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    pane.add(entry("result", { id: 30, execution_id: "e30", text: long, data: { status: "succeeded" } }));
    expect(root.querySelector(".long button.show-all")?.textContent).toBe("show all 30 lines");
    pane.add(entry("announcement", { id: 31, execution_id: "e30", text: "done: 30 lines", data: { enriches: true } }));
    const card = root.children[0] as HTMLElement;
    expect(card.querySelector(".long")).toBeNull();
    expect(card.querySelector("pre.enrichment")?.textContent).toBe("done: 30 lines");
    expect(card.querySelector("details.raw pre")?.textContent).toBe(long);
  });

  it("opens web links through the backend, never by navigating the webview", () => {
    const opened: string[] = [];
    pane = new Pane(root, { openLink: (u) => opened.push(u) });
    pane.add(entry("result", { id: 30, execution_id: "e30", text: "ok", data: { status: "succeeded", web_url: "https://st2.example/#/history/e30" } }));
    const a = root.querySelector("a.link") as HTMLAnchorElement;
    const ev = new MouseEvent("click", { bubbles: true, cancelable: true });
    a.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(opened).toEqual(["https://st2.example/#/history/e30"]);
  });

  it("focuses an execution's result when asked (notification Open, tray)", () => {
    pane.add(entry("result", { id: 40, execution_id: "e40", text: "one", data: { status: "succeeded" } }));
    pane.add(entry("result", { id: 41, execution_id: "e41", text: "two", data: { status: "failed" } }));
    expect(pane.focusExecution("e40")).toBe(true);
    const hl = root.querySelectorAll(".highlight");
    expect(hl.length).toBe(1);
    expect((hl[0] as HTMLElement).dataset.execution).toBe("e40");
    expect(document.activeElement).toBe(hl[0]);
    expect(pane.focusExecution("nope")).toBe(false);
  });

  it("scrolls back: older history goes above, once, with status merged into its ack", () => {
    pane.add(entry("command", { id: 100, text: "newest" }));
    expect(pane.oldestId()).toBe(100);
    const n = pane.addOlder([
      entry("ack", { id: 50, execution_id: "old", text: "working", data: { status: "requested" } }),
      entry("status", { id: 51, execution_id: "old", text: "running", data: { status: "running" } }),
      entry("command", { id: 100, text: "newest" }),
    ]);
    expect(n).toBe(2);
    expect([...root.children].map((li) => (li as HTMLElement).dataset.kind)).toEqual(["ack", "command"]);
    expect(root.querySelector(".badge")?.textContent).toBe("running");
    expect(pane.oldestId()).toBe(50);
    expect(pane.addOlder([entry("ack", { id: 50, execution_id: "old", text: "working" })])).toBe(0);
  });

  it("marks relayed conversations with their origin", () => {
    pane.add(entry("command", { id: 60, text: "genpass", data: { origin: "slack", chat_user: "slack:U110FGZSQ" } }));
    pane.add(entry("announcement", { id: 61, text: "done", data: { relayed: "teams" } }));
    const marks = [...root.querySelectorAll(".origin")].map((e) => e.textContent);
    expect(marks).toEqual(["via slack · slack:U110FGZSQ", "→ teams"]);
    expect((root.firstElementChild as HTMLElement).dataset.origin).toBe("slack");
  });

  it("offers Pause on a running workflow, Resume once paused, and nothing once it ended", async () => {
    const asked: string[] = [];
    pane = new Pane(root, { openLink: () => {}, control: async (id, c) => (asked.push(`${id}:${c}`), []) });
    pane.add(entry("ack", { id: 1, execution_id: "wf", text: "Releasing", data: { status: "running", workflow: true } }));
    pane.add(entry("ack", { id: 2, execution_id: "sh", text: "Sleeping", data: { status: "running", workflow: false } }));
    const shown = (id: string) =>
      [...root.querySelectorAll(`li[data-execution="${id}"][data-kind="ack"] button.control`)].filter((b) => !(b as HTMLButtonElement).hidden).map((b) => b.textContent);
    expect(shown("wf")).toEqual(["Cancel", "Pause"]);
    expect(shown("sh")).toEqual(["Cancel"]);
    (root.querySelector('li[data-execution="wf"] button.pause') as HTMLButtonElement).click();
    await Promise.resolve();
    expect(asked).toEqual(["wf:pause"]);
    pane.add(entry("status", { id: 3, execution_id: "wf", text: "paused", data: { status: "paused" } }));
    expect(shown("wf")).toEqual(["Cancel", "Resume"]);
    pane.add(entry("status", { id: 4, execution_id: "wf", text: "running", data: { status: "running" } }));
    expect(shown("wf")).toEqual(["Cancel", "Pause"]);
    pane.add(entry("result", { id: 5, execution_id: "wf", text: "done", data: { status: "succeeded" } }));
    expect(shown("wf")).toEqual([]);
  });
});
