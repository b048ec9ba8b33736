import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { makeEntry, type DataOf, type EntryKind } from "../entries";
import type { Entry } from "../types";

(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__ = true;

import { body as html } from "./markup";
const e = <K extends EntryKind>(id: number, kind: K, text: string, data: Partial<DataOf<K>> = {}, execution_id: string | null = null): Entry =>
  makeEntry(kind, text, data, { id, ts: "2026-11-26T10:00:00.000Z", profile: "demo", execution_id });

/** What every started app asks for: its status and preferences. */
const basics = (cmd: string): unknown => {
  if (cmd === "get_status") return { profile: "demo", demo: true, base_url: null, notifications_paused: false, connection: { state: "live" }, unread: 0 };
  if (cmd === "get_prefs") return { shortcut: "Alt+K", theme: "dark", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
  return [];
};

describe("app start", () => {
  beforeEach(() => { document.body.innerHTML = html; });
  afterEach(() => clearMocks());

  it("loads history, and shows an IPC error by its message", async () => {
    mockIPC((cmd) => {
      if (cmd === "load_history") return [e(1, "command", "genpass"), e(2, "result", "kaffee_wolke")];
      if (cmd === "run_command") throw { kind: "no_match", message: "no alias matches \"nope\"" };
      if (cmd === "suggest_aliases") return [];
      if (cmd === "get_status") return { profile: "demo", demo: true, base_url: null, notifications_paused: false, connection: { state: "live" }, unread: 0 };
      if (cmd === "get_prefs") return { shortcut: "Alt+K", theme: "dark", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
      return null;
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const pane = document.getElementById("pane")!;
    expect(document.getElementById("status")!.textContent).toBe("live");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect([...pane.querySelectorAll(".body")].map((b) => b.textContent)).toEqual(["genpass", "kaffee_wolke"]);

    const input = document.getElementById("command") as HTMLInputElement;
    input.value = "nope";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await new Promise((r) => setTimeout(r, 10));
    const last = pane.lastElementChild as HTMLElement;
    expect(last.dataset.kind).toBe("error");
    expect(last.textContent).toContain("no alias matches");
  });

  it("shows a failed command's error once, after the command, whichever arrives first", async () => {
    let id = 100;
    let eventsFirst = true;
    mockIPC(async (cmd, args) => {
      if (cmd === "run_command") {
        // The desk records the command and its error (entries, as events)
        // and replies with the error; the two reach the UI in either order.
        const text = (args as { text: string }).text;
        const message = `Command "${text}" matched no patterns`;
        const entries = [e(++id, "command", text), e(++id, "error", message, { kind: "no_match" })];
        const send = () => Promise.all(entries.map((entry) => emit("desk-event", { type: "entry", entry })));
        if (eventsFirst) await send();
        else setTimeout(() => void send(), 5);
        throw { kind: "no_match", message };
      }
      if (cmd === "load_history") return [];
      if (cmd === "suggest_aliases") return [];
      if (cmd === "get_status") return { profile: "demo", demo: true, base_url: null, notifications_paused: false, connection: { state: "live" }, unread: 0 };
      if (cmd === "get_prefs") return { shortcut: "Alt+K", theme: "system", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
      return null;
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const pane = document.getElementById("pane")!;
    const input = document.getElementById("command") as HTMLInputElement;
    const kinds = () => [...pane.children].map((li) => `${(li as HTMLElement).dataset.kind}:${li.querySelector(".profile")?.textContent}`);
    for (const first of [true, false]) {
      eventsFirst = first;
      pane.replaceChildren();
      input.value = first ? "nope" : "nope again";
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
      await new Promise((r) => setTimeout(r, 30));
      expect(kinds(), first ? "events first" : "reply first").toEqual(["command:demo", "error:demo"]);
    }
  });

  it("asks before running a command whose alias asks for confirmation; only yes runs it", async () => {
    const runs: Array<{ text: string; confirmed: boolean }> = [];
    mockIPC((cmd, args) => {
      if (cmd === "run_command") {
        const a = args as { text: string; confirmed: boolean };
        runs.push(a);
        if (!a.confirmed) throw { kind: "confirmation_required", message: `"${a.text}" runs ops.purge_caches, which asks to be confirmed before it runs (extra.security.twofactor); nothing was run` };
        return [e(200 + runs.length, "command", a.text)];
      }
      return basics(cmd);
    }, { shouldMockEvents: true });
    const asked: string[] = [];
    let answer = false;
    window.confirm = (m?: string) => { asked.push(m ?? ""); return answer; };
    const { start } = await import("../main");
    await start(document);
    const pane = document.getElementById("pane")!;
    const input = document.getElementById("command") as HTMLInputElement;
    const enter = async (text: string) => {
      input.value = text;
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
      await new Promise((r) => setTimeout(r, 20));
    };
    await enter("purge caches on web");
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("ops.purge_caches, which asks to be confirmed");
    expect(asked[0]).toContain('Run "purge caches on web" now?');
    expect(runs).toEqual([{ text: "purge caches on web", confirmed: false }]);
    expect((pane.lastElementChild as HTMLElement).textContent).toContain("was not confirmed");

    answer = true;
    await enter("purge caches on db");
    expect(runs.slice(1)).toEqual([
      { text: "purge caches on db", confirmed: false },
      { text: "purge caches on db", confirmed: true },
    ]);
    expect((pane.lastElementChild as HTMLElement).dataset.kind).toBe("command");
  });

  it("asks before re-running an execution whose alias asks for confirmation, from Re-run and Re-run with…; only yes runs it", async () => {
    const reruns: Array<{ execution_id: string; changes: string[]; confirmed: boolean }> = [];
    mockIPC((cmd, args) => {
      if (cmd === "load_history") return [e(3, "result", "failed over", { status: "succeeded" }, "fo1")];
      if (cmd === "rerun_execution") {
        const a = args as { execution_id: string; changes: string[]; confirmed: boolean };
        reruns.push(a);
        if (!a.confirmed) throw { kind: "confirmation_required", message: `"re-run of execution fo1" runs ops.failover, which asks to be confirmed before it runs (extra.security.twofactor); nothing was run` };
        return [e(20 + reruns.length, "ack", "Re-run of fo1: ops.failover", { status: "requested" }, `new${reruns.length}`)];
      }
      return basics(cmd);
    }, { shouldMockEvents: true });
    const asked: string[] = [];
    let answer = false;
    window.confirm = (m?: string) => { asked.push(m ?? ""); return answer; };
    const { start } = await import("../main");
    await start(document);
    const card = document.querySelector('#pane li[data-execution="fo1"][data-kind="result"]') as HTMLElement;
    const rerun = card.querySelector("button.rerun") as HTMLButtonElement;
    rerun.click();
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("ops.failover, which asks to be confirmed");
    expect(reruns).toEqual([{ execution_id: "fo1", changes: [], confirmed: false }]);
    expect(card.querySelector("[role=alert]")!.textContent).toBe("Not run: the re-run of fo1 was not confirmed.");

    answer = true;
    rerun.click();
    await new Promise((r) => setTimeout(r, 20));
    expect(reruns.slice(1)).toEqual([
      { execution_id: "fo1", changes: [], confirmed: false },
      { execution_id: "fo1", changes: [], confirmed: true },
    ]);
    expect(document.querySelector('#pane li[data-execution="new3"]')).not.toBeNull();

    // Re-run with…: the same dialog, the changes kept.
    (card.querySelector("button.rerun-with") as HTMLButtonElement).click();
    (card.querySelector(".rerun-form input") as HTMLInputElement).value = "region=r3";
    (card.querySelector(".rerun-form") as HTMLFormElement).requestSubmit();
    await new Promise((r) => setTimeout(r, 20));
    expect(reruns.slice(3)).toEqual([
      { execution_id: "fo1", changes: ["region=r3"], confirmed: false },
      { execution_id: "fo1", changes: ["region=r3"], confirmed: true },
    ]);
    expect(asked).toHaveLength(3);
  });

  it("a pane that starts just after an Open (its webview was released) shows that result", async () => {
    mockIPC((cmd) => {
      if (cmd === "get_status") return { ...(basics(cmd) as object), open: "x8" };
      if (cmd === "load_history") return [e(7, "result", "older", { status: "succeeded" }, "x7"), e(8, "result", "the one", { status: "failed" }, "x8"), e(9, "result", "newer", { status: "succeeded" }, "x9")];
      return basics(cmd);
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const lit = document.querySelector("#pane .highlight") as HTMLElement;
    expect(lit?.dataset.execution).toBe("x8");
  });

  it("a pane that starts just after Settings… (its process was released) opens Settings, focused", async () => {
    mockIPC((cmd) => {
      // The whole status, as the desk sends it.
      if (cmd === "get_status") return { ...(basics(cmd) as object), relay: { slack: { state: "off" }, teams: { state: "off" } }, stream_route: "stormdesk", announcing_rule: null, transport_warning: null, open: null, settings: true };
      if (cmd === "list_profiles") return [];
      return basics(cmd);
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const settings = document.getElementById("settings") as HTMLElement;
    expect(settings.hidden).toBe(false);
    expect(settings.contains(document.activeElement)).toBe(true);
  });

  it("a pane that starts with nothing asked of it opens no Settings", async () => {
    mockIPC((cmd) => basics(cmd), { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    expect((document.getElementById("settings") as HTMLElement).hidden).toBe(true);
    expect(document.activeElement?.id).toBe("command");
  });

  it("first run offers the demo; the demo starts; Open focuses a result", async () => {
    const called: string[] = [];
    let configured = false;
    mockIPC((cmd) => {
      called.push(cmd);
      if (cmd === "get_status") {
        if (!configured) throw { kind: "not_configured", message: "no StackStorm server is configured yet" };
        return { profile: "demo", demo: true, base_url: null, notifications_paused: false, connection: { state: "live" }, unread: 0 };
      }
      if (cmd === "load_history") {
        if (!configured) throw { kind: "not_configured", message: "no StackStorm server is configured yet" };
        return [e(7, "result", "done", { status: "succeeded" }, "x7")];
      }
      if (cmd === "start_demo") { configured = true; return null; }
      if (cmd === "get_prefs") return { shortcut: "Alt+K", theme: "system", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
      return [];
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const welcome = document.getElementById("welcome")!;
    expect(welcome.hidden).toBe(false);
    // Nothing is shown as an error: not being configured is not a failure.
    expect(document.querySelector(".entry.error")).toBeNull();
    (document.getElementById("try-demo") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 10));
    expect(called).toContain("start_demo");
    expect(welcome.hidden).toBe(true);

    const { emit } = await import("@tauri-apps/api/event");
    await emit("desk-event", { type: "ready", profile: "demo", demo: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(document.getElementById("status")!.textContent).toBe("ready (demo server)");
    await emit("desk-event", { type: "open", execution_id: "x7" });
    await new Promise((r) => setTimeout(r, 10));
    expect((document.querySelector(".highlight") as HTMLElement | null)?.dataset.execution).toBe("x7");
    expect(called).toContain("mark_read");
  });

  it("after missing events, reloads the pane and the status from the backend", async () => {
    let history = [e(1, "command", "genpass")];
    let connection: { state: string } = { state: "live" };
    mockIPC((cmd) => {
      if (cmd === "load_history") return history;
      if (cmd === "get_status") {
        return { profile: "demo", demo: true, base_url: null, notifications_paused: false, connection, unread: 0,
          relay: { slack: { state: "connected" }, teams: { state: "off" } } };
      }
      if (cmd === "get_prefs") return { shortcut: "Alt+K", theme: "system", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
      return [];
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const bodies = () => [...document.querySelectorAll("#pane .body")].map((b) => b.textContent);
    expect(bodies()).toEqual(["genpass"]);
    // Meanwhile (events dropped): a result arrived and the stream dropped.
    history = [e(1, "command", "genpass"), e(2, "result", "kaffee_wolke")];
    connection = { state: "connecting" };
    const { emit } = await import("@tauri-apps/api/event");
    await emit("desk-event", { type: "missed", count: 1500 });
    await new Promise((r) => setTimeout(r, 20));
    expect(bodies()).toEqual(["genpass", "kaffee_wolke"]);
    expect(document.getElementById("status")!.dataset.state).toBe("connecting");
    expect(document.getElementById("relay-links")!.textContent).toContain("Slack: connected");
  });

  it("what arrives while history is being read is not lost when the page is shown", async () => {
    // The page read before the result was written; the result arrives
    // while the page is on its way.
    let release: (() => void) | null = null;
    let slow = false;
    const page = [e(1, "ack", "Sleeping", { status: "running" }, "run1")];
    mockIPC((cmd) => {
      if (cmd === "load_history") {
        if (!slow) return page;
        return new Promise((r) => { release = () => r(page); });
      }
      return basics(cmd);
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const badge = () => document.querySelector('#pane .entry.ack[data-execution="run1"] .badge')?.textContent;
    expect(badge()).toBe("running");
    slow = true;
    await emit("desk-event", { type: "missed", count: 10 });
    await new Promise((r) => setTimeout(r, 10));
    expect(release).not.toBeNull();
    await emit("desk-event", { type: "entry", entry: e(2, "result", "slept 300s", { status: "canceled" }, "run1") });
    await emit("desk-event", { type: "output", execution_id: "run2", chunks: [] });
    release!();
    await new Promise((r) => setTimeout(r, 10));
    expect(badge()).toBe("canceled");
    expect(document.querySelectorAll('#pane .entry.result[data-execution="run1"]').length).toBe(1);
  });

  it("cancels a running execution and re-runs a finished one from their cards, showing a refusal as text", async () => {
    const calls: unknown[] = [];
    let refuse = false;
    mockIPC((cmd, args) => {
      if (cmd === "load_history") {
        return [
          e(1, "ack", "Sleeping", { status: "running" }, "run1"),
          e(2, "ack", "Greeting", { status: "succeeded" }, "done1"),
          e(3, "result", "hello", { status: "succeeded" }, "done1"),
        ];
      }
      if (cmd === "control_execution" || cmd === "rerun_execution") {
        calls.push(args);
        if (refuse) throw { kind: "refused", message: "StackStorm refused to re-run execution done1: <b>no</b>" };
        if (cmd === "control_execution") return [e(10, "status", "canceling", { status: "canceling" }, "run1")];
        return [e(11, "ack", "Re-run of done1: core.echo", { status: "requested" }, "new1")];
      }
      return basics(cmd);
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const card = (id: string, kind: string) => document.querySelector(`#pane li[data-execution="${id}"][data-kind="${kind}"]`) as HTMLElement;
    // Only the running execution offers Cancel; only a result offers Re-run.
    expect(card("run1", "ack").querySelector("button.cancel")).not.toBeNull();
    expect(card("done1", "ack").querySelector("button.cancel")).toBeNull();
    (card("run1", "ack").querySelector("button.cancel") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls[0]).toEqual({ execution_id: "run1", control: "cancel" });
    expect(card("run1", "ack").querySelector(".badge")!.textContent).toBe("canceling");
    // Its end (from the stream) takes the Cancel button away.
    await emit("desk-event", { type: "entry", entry: e(12, "result", "canceled by st2admin", { status: "canceled" }, "run1") });
    await new Promise((r) => setTimeout(r, 10));
    expect(card("run1", "ack").querySelector(".badge")!.textContent).toBe("canceled");
    expect(card("run1", "ack").querySelector("button.cancel")).toBeNull();

    const rerun = card("done1", "result").querySelector("button.rerun") as HTMLButtonElement;
    rerun.click();
    await new Promise((r) => setTimeout(r, 10));
    // A re-run goes the way every re-run goes, through the alias's guards.
    expect(calls[1]).toEqual({ execution_id: "done1", changes: [], confirmed: false });
    expect(card("new1", "ack").querySelector("button.cancel")).not.toBeNull();

    refuse = true;
    rerun.click();
    await new Promise((r) => setTimeout(r, 10));
    const alert = card("done1", "result").querySelector("[role=alert]")!;
    expect(alert.textContent).toBe("StackStorm refused to re-run execution done1: <b>no</b>");
    expect(alert.querySelector("b")).toBeNull();
    expect(rerun.disabled).toBe(false);
  });

  it("answers an inquiry from its form: checked first, StackStorm's refusal shown, closed once answered", async () => {
    const sent: unknown[] = [];
    let refuse = true;
    const fields = [
      { name: "approved", type: "boolean", required: true, description: "Deploy <b>web</b>?", default: null },
      { name: "copies", type: "integer", required: false, description: "How many copies", default: 1 },
      { name: "colour", type: "choice", choices: ["red", "green"], required: false, description: null, default: null },
    ];
    mockIPC((cmd, args) => {
      if (cmd === "load_history") {
        return [e(1, "inquiry", "Deploy <b>web</b>?", { fields, users: [], roles: ["ops"], ttl: 60, route: "stormdesk" } as never, "q1")];
      }
      if (cmd === "respond_inquiry") {
        sent.push(args);
        if (refuse) throw { kind: "refused", message: "StackStorm refused to accept the answer to inquiry q1: has already been responded to." };
        return [e(2, "note", "Answered: approved=yes, copies=2, colour=green", { kind: "inquiry_answered" }, "q1")];
      }
      return basics(cmd);
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const card = document.querySelector('#pane li[data-kind="inquiry"]') as HTMLElement;
    expect(card.querySelector(".body")!.textContent).toBe("Deploy <b>web</b>?");
    expect(card.querySelector("b")).toBeNull();
    expect(card.querySelector(".facts")!.textContent).toContain("may answer: role ops");
    const form = card.querySelector("form")!;
    const field = (n: string) => form.querySelector(`[name="${n}"]`) as HTMLInputElement | HTMLSelectElement;
    expect([...(field("approved") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["", "yes", "no"]);
    expect(field("copies").value).toBe("1");
    const submit = () => form.dispatchEvent(new Event("submit", { cancelable: true }));
    const errors = () => [...form.querySelectorAll(".field-error")].map((x) => x.textContent);

    // Nothing leaves before the form is right.
    submit();
    expect(errors()).toEqual(["required", "", ""]);
    field("approved").value = "yes";
    field("copies").value = "2.5";
    submit();
    expect(errors()).toEqual(["", "a whole number", ""]);
    expect(sent).toEqual([]);

    field("copies").value = "2";
    field("colour").value = "green";
    submit();
    await new Promise((r) => setTimeout(r, 10));
    expect(sent[0]).toEqual({ inquiry_id: "q1", response: { approved: true, copies: 2, colour: "green" } });
    expect(card.querySelector("[role=alert]")!.textContent).toContain("has already been responded to");
    expect(card.querySelector("form")).not.toBeNull();

    refuse = false;
    submit();
    await new Promise((r) => setTimeout(r, 10));
    expect(card.querySelector("form")).toBeNull();
    expect(card.dataset.closed).toBe("inquiry_answered");
    expect(card.querySelector(".answered")!.textContent).toBe("Answered: approved=yes, copies=2, colour=green");
  });
});
