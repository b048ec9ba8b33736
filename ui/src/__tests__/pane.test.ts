import { beforeEach, describe, expect, it } from "vitest";
import { Pane } from "../pane";
import type { Entry } from "../types";

const entry = (over: Partial<Entry>): Entry => ({
  id: 1, ts: "2026-11-26T10:00:00.000Z", profile: "demo", kind: "announcement",
  execution_id: null, text: "", data: {}, ...over,
});

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
    pane.add(entry({ id: 1, kind: "announcement", text: evil }));
    pane.add(entry({ id: 2, kind: "result", text: evil, execution_id: "e1", data: { status: "succeeded" } }));
    expect(root.querySelectorAll("script, img").length).toBe(0);
    const bodies = [...root.querySelectorAll(".body")].map((b) => b.textContent);
    expect(bodies).toEqual([evil, evil]);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("shows an entry once, collapses long results, updates status in place", () => {
    pane.add(entry({ id: 5, kind: "ack", execution_id: "e9", text: "Deploying", data: { status: "requested", web_url: "http://st2/#/history/e9" } }));
    pane.add(entry({ id: 5, kind: "ack", execution_id: "e9", text: "Deploying" }));
    pane.add(entry({ id: 6, kind: "status", execution_id: "e9", text: "running" }));
    expect(root.children.length).toBe(1);
    expect(root.querySelector(".badge")?.textContent).toBe("running");
    expect(root.querySelector("a.link")?.getAttribute("rel")).toContain("noopener");

    pane.add(entry({ id: 7, kind: "result", execution_id: "e9", data: { status: "failed" }, text: Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") }));
    expect(root.querySelector(".badge")?.textContent).toBe("failed");
    expect(root.querySelector("details summary")?.textContent).toBe("30 lines");
  });

  it("never links anything but http(s)", () => {
    pane.add(entry({ id: 8, kind: "ack", execution_id: "e1", text: "x", data: { web_url: "javascript:alert(1)" } }));
    expect(root.querySelector("a")).toBeNull();
  });

  it("shows a routing note for an announcement that had nowhere else to go", () => {
    pane.add(entry({ id: 9, text: "hello", data: { note: "the channel is another chat bot's JSON identifier" } }));
    expect(root.querySelector(".note")?.textContent).toContain("JSON identifier");
  });

  it("merges StackStorm's announcement of a result into that result's card", () => {
    pane.add(entry({ id: 20, kind: "result", execution_id: "e20", text: "kaffee", data: { status: "succeeded" } }));
    pane.add(entry({ id: 21, kind: "announcement", execution_id: "e20", text: "Your password: <b>kaffee</b>", data: { enriches: true } }));
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
    pane.add(entry({ id: 23, kind: "announcement", execution_id: "e20", text: "again", data: { enriches: true } }));
    expect(card.querySelectorAll("details.raw").length).toBe(1);
    expect([...card.querySelectorAll("pre.body")].filter((p) => !p.closest("details.raw")).map((p) => p.textContent)).toEqual(["again"]);
    expect(raw.querySelector("pre")?.textContent).toBe("kaffee");
    // Without its result on screen (say, after a search) it stands alone.
    pane.add(entry({ id: 22, kind: "announcement", execution_id: "gone", text: "alone", data: { enriches: true } }));
    expect(root.children.length).toBe(2);
  });

  it("keeps a long result's raw text whole when an announcement replaces it", () => {
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    pane.add(entry({ id: 30, kind: "result", execution_id: "e30", text: long, data: { status: "succeeded" } }));
    expect(root.querySelector("details.long summary")?.textContent).toBe("30 lines");
    pane.add(entry({ id: 31, kind: "announcement", execution_id: "e30", text: "done: 30 lines", data: { enriches: true } }));
    const card = root.children[0] as HTMLElement;
    expect(card.querySelector("details.long")).toBeNull();
    expect(card.querySelector("pre.enrichment")?.textContent).toBe("done: 30 lines");
    expect(card.querySelector("details.raw pre")?.textContent).toBe(long);
  });

  it("opens web links through the backend, never by navigating the webview", () => {
    const opened: string[] = [];
    pane = new Pane(root, { openLink: (u) => opened.push(u) });
    pane.add(entry({ id: 30, kind: "result", execution_id: "e30", text: "ok", data: { status: "succeeded", web_url: "https://st2.example/#/history/e30" } }));
    const a = root.querySelector("a.link") as HTMLAnchorElement;
    const ev = new MouseEvent("click", { bubbles: true, cancelable: true });
    a.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(opened).toEqual(["https://st2.example/#/history/e30"]);
  });

  it("focuses an execution's result when asked (notification Open, tray)", () => {
    pane.add(entry({ id: 40, kind: "result", execution_id: "e40", text: "one", data: { status: "succeeded" } }));
    pane.add(entry({ id: 41, kind: "result", execution_id: "e41", text: "two", data: { status: "failed" } }));
    expect(pane.focusExecution("e40")).toBe(true);
    const hl = root.querySelectorAll(".highlight");
    expect(hl.length).toBe(1);
    expect((hl[0] as HTMLElement).dataset.execution).toBe("e40");
    expect(document.activeElement).toBe(hl[0]);
    expect(pane.focusExecution("nope")).toBe(false);
  });

  it("scrolls back: older history goes above, once, with status merged into its ack", () => {
    pane.add(entry({ id: 100, kind: "command", text: "newest" }));
    expect(pane.oldestId()).toBe(100);
    const n = pane.addOlder([
      entry({ id: 50, kind: "ack", execution_id: "old", text: "working", data: { status: "requested" } }),
      entry({ id: 51, kind: "status", execution_id: "old", text: "running" }),
      entry({ id: 100, kind: "command", text: "newest" }),
    ]);
    expect(n).toBe(2);
    expect([...root.children].map((li) => (li as HTMLElement).dataset.kind)).toEqual(["ack", "command"]);
    expect(root.querySelector(".badge")?.textContent).toBe("running");
    expect(pane.oldestId()).toBe(50);
    expect(pane.addOlder([entry({ id: 50, kind: "ack", execution_id: "old", text: "working" })])).toBe(0);
  });

  it("marks relayed conversations with their origin", () => {
    pane.add(entry({ id: 60, kind: "command", text: "genpass", data: { origin: "slack", chat_user: "slack:U110FGZSQ" } }));
    pane.add(entry({ id: 61, kind: "announcement", text: "done", data: { relayed: "teams" } }));
    const marks = [...root.querySelectorAll(".origin")].map((e) => e.textContent);
    expect(marks).toEqual(["via slack · slack:U110FGZSQ", "→ teams"]);
    expect((root.firstElementChild as HTMLElement).dataset.origin).toBe("slack");
  });
});
