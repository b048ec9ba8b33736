import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { Entry } from "../types";

(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__ = true;

const html = `<span id="status"></span><input id="search" /><ol id="pane"></ol><ul id="suggestions"></ul><input id="command" />`;
const e = (id: number, kind: Entry["kind"], text: string): Entry => ({
  id, ts: "2026-11-26T10:00:00.000Z", profile: "demo", kind, execution_id: null, text, data: {},
});

describe("app start", () => {
  beforeEach(() => { document.body.innerHTML = html; });
  afterEach(() => clearMocks());

  it("loads history, and shows an IPC error by its message", async () => {
    mockIPC((cmd) => {
      if (cmd === "load_history") return [e(1, "command", "genpass"), e(2, "result", "kaffee_wolke")];
      if (cmd === "run_command") throw { kind: "no_match", message: "no alias matches \"nope\"" };
      if (cmd === "suggest_aliases") return [];
      if (cmd === "get_status") return { profile: "demo", base_url: null, notifications_paused: false, connection: { state: "live" } };
      return null;
    }, { shouldMockEvents: true });
    const { start } = await import("../main");
    await start(document);
    const pane = document.getElementById("pane")!;
    expect(document.getElementById("status")!.textContent).toBe("live");
    expect([...pane.querySelectorAll(".body")].map((b) => b.textContent)).toEqual(["genpass", "kaffee_wolke"]);

    const input = document.getElementById("command") as HTMLInputElement;
    input.value = "nope";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await new Promise((r) => setTimeout(r, 10));
    const last = pane.lastElementChild as HTMLElement;
    expect(last.dataset.kind).toBe("error");
    expect(last.textContent).toContain("no alias matches");
  });
});
