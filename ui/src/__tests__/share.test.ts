import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { makeEntry } from "../entries";
import type { Entry, ShareTarget } from "../types";

(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__ = true;

import { body as html } from "./markup";

const result: Entry = makeEntry("result", "kaffee_wolke", { status: "succeeded" }, { id: 5, ts: "2026-11-26T10:00:00.000Z", profile: "demo", execution_id: "x5" });
const targets: ShareTarget[] = [
  { id: "webhook:slack", label: "Slack webhook", service: "slack" },
  // A conversation's name comes from chat: it must stay text.
  { id: "stormdesk:v1:slack:T1:C1", label: "Slack · <b>ops</b>", service: "slack" },
];
const status = {
  profile: "demo", demo: true, base_url: null, notifications_paused: false, connection: { state: "live" }, unread: 0,
  relay: { slack: { state: "off" }, teams: { state: "off" } },
};
const prefs = { shortcut: "Alt+K", theme: "system", notify_results: "all", notify_announcements: true, start_at_login: false, relay: null };
const tick = () => new Promise((r) => setTimeout(r, 10));

async function startWith(handler: (cmd: string, args: unknown) => unknown): Promise<void> {
  mockIPC((cmd, args) => {
    if (cmd === "get_status") return status;
    if (cmd === "get_prefs") return prefs;
    if (cmd === "load_history") return [result];
    return handler(cmd, args);
  }, { shouldMockEvents: true });
  const { start } = await import("../main");
  await start(document);
}

const shareButton = () => document.querySelector<HTMLButtonElement>(".entry.result .share")!;
const items = () => [...document.querySelectorAll<HTMLButtonElement>("#share-menu [role=menuitem]")];

describe("Share to…", () => {
  beforeEach(() => { document.body.innerHTML = html; });
  afterEach(() => clearMocks());

  it("lists webhooks and heard-from conversations as text, moves by keyboard, and shares the chosen one", async () => {
    const shared: unknown[] = [];
    await startWith((cmd, args) => {
      if (cmd === "list_share_targets") return targets;
      if (cmd === "share_entry") { shared.push(args); return targets[1]; }
      return [];
    });
    const button = shareButton();
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    button.click();
    await tick();
    expect(items().map((b) => b.textContent)).toEqual(["Slack webhook", "Slack · <b>ops</b>"]);
    expect(document.querySelector("#share-menu b")).toBeNull();
    expect(document.activeElement).toBe(items()[0]);
    const menu = document.getElementById("share-menu")!;
    menu.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(items()[1]);
    menu.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(items()[0]); // wraps around
    menu.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    (document.activeElement as HTMLButtonElement).click();
    await tick();
    expect(shared).toEqual([{ entry_id: 5, target: "stormdesk:v1:slack:T1:C1" }]);
    expect(document.getElementById("share-menu")).toBeNull();
    expect(button.textContent).toBe("Shared ✓");
    expect(button.title).toBe("Shared to Slack · <b>ops</b>");
    expect(document.activeElement).toBe(button);
  });

  it("keeps the menu open with the backend's message when sharing fails; Esc closes it", async () => {
    await startWith((cmd) => {
      if (cmd === "list_share_targets") return targets;
      if (cmd === "share_entry") throw { kind: "relay_refused", message: "Slack refused the message: channel_not_found" };
      return [];
    });
    shareButton().click();
    await tick();
    items()[0].click();
    await tick();
    const msg = document.querySelector<HTMLElement>("#share-menu .msg")!;
    expect(msg.textContent).toBe("Slack refused the message: channel_not_found");
    expect(msg.dataset.kind).toBe("error");
    expect(items().every((b) => !b.disabled)).toBe(true);
    document.getElementById("share-menu")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.getElementById("share-menu")).toBeNull();
    expect(document.activeElement).toBe(shareButton());
    expect(shareButton().textContent).toBe("Share…");
  });

  it("forgets a conversation with Delete or ✕, never a webhook, and keeps it when forgetting fails", async () => {
    const three: ShareTarget[] = [...targets, { id: "stormdesk:v1:teams:abc", label: "Teams · Ops", service: "teams" }];
    const forgot: unknown[] = [];
    let failNext = false;
    await startWith((cmd, args) => {
      if (cmd === "list_share_targets") return three;
      if (cmd === "forget_share_target") {
        if (failNext) throw { kind: "history", message: "history is busy" };
        forgot.push(args);
        return [];
      }
      return [];
    });
    shareButton().click();
    await tick();
    const menu = document.getElementById("share-menu")!;
    const del = () => menu.dispatchEvent(new KeyboardEvent("keydown", { key: "Delete", bubbles: true }));
    // Only conversations have a ✕, named for screen readers, out of the Tab order.
    const xs = [...menu.querySelectorAll<HTMLButtonElement>(".forget")];
    expect(xs.map((x) => x.getAttribute("aria-label"))).toEqual(["Forget Slack · <b>ops</b>", "Forget Teams · Ops"]);
    expect(xs.every((x) => x.tabIndex === -1)).toBe(true);
    // Delete on the webhook does nothing.
    del();
    await tick();
    expect(forgot).toEqual([]);
    expect(items()).toHaveLength(3);
    // Delete on a conversation forgets it; focus moves on.
    menu.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    del();
    await tick();
    expect(forgot).toEqual([{ target: "stormdesk:v1:slack:T1:C1" }]);
    expect(items().map((b) => b.textContent)).toEqual(["Slack webhook", "Teams · Ops"]);
    expect(document.activeElement).toBe(items()[1]);
    expect(menu.querySelector(".msg")!.textContent).toContain("Forgot Slack · <b>ops</b>");
    // A failure keeps the conversation and says why.
    failNext = true;
    menu.querySelector<HTMLButtonElement>(".forget")!.click();
    await tick();
    expect(items()).toHaveLength(2);
    expect(menu.querySelector<HTMLElement>(".msg")!.dataset.kind).toBe("error");
    expect(menu.querySelector(".msg")!.textContent).toBe("history is busy");
    failNext = false;
    menu.querySelector<HTMLButtonElement>(".forget")!.click();
    await tick();
    expect(forgot).toEqual([{ target: "stormdesk:v1:slack:T1:C1" }, { target: "stormdesk:v1:teams:abc" }]);
    expect(items().map((b) => b.textContent)).toEqual(["Slack webhook"]);
    expect(document.getElementById("share-menu")).not.toBeNull();
  });

  it("with nowhere to share, says how to add somewhere and opens Settings", async () => {
    await startWith((cmd) => {
      if (cmd === "list_share_targets") return [];
      if (cmd === "list_profiles" || cmd === "relay_secrets_stored") return [];
      return null;
    });
    shareButton().click();
    await tick();
    expect(document.querySelector("#share-menu .msg")!.textContent).toContain("Settings ▸ Relay");
    const go = items();
    expect(go.map((b) => b.textContent)).toEqual(["Open Settings"]);
    go[0].click();
    await tick();
    expect(document.getElementById("settings")!.hidden).toBe(false);
    expect(document.getElementById("share-menu")).toBeNull();
  });

  it("shows the relay's links from status, then from events", async () => {
    await startWith(() => []);
    const links = document.getElementById("relay-links")!;
    expect(links.textContent).toBe("Relay off.");
    const { emit } = await import("@tauri-apps/api/event");
    await emit("desk-event", {
      type: "relay",
      links: { slack: { state: "retrying", reason: "the socket closed" }, teams: { state: "listening", address: "127.0.0.1:3978" } },
    });
    await tick();
    expect(links.textContent).toBe("Slack: reconnecting (the socket closed) · Teams: listening on 127.0.0.1:3978");
    expect(links.dataset.slack).toBe("retrying");
  });
});
