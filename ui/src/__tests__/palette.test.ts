import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { runCommand, suggestAliases } from "../ipc";
import { Palette } from "../palette";
import type { Suggestion } from "../types";

const deploy: Suggestion = {
  ref: "ops.deploy", pack: "ops", display: "deploy <app> to <env>", representation: "deploy {{ app }} to {{ env=staging }}",
  description: "Deploy", kind: "partial", params: { app: "web" }, next: { type: "word", word: "to" }, score: 510,
};

function setup() {
  document.body.innerHTML = '<ul id="s"></ul><input id="c" />';
  const input = document.getElementById("c") as HTMLInputElement;
  const list = document.getElementById("s") as HTMLUListElement;
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "suggest_aliases") return [deploy];
    if (cmd === "run_command") return [];
    return null;
  });
  const ran: string[] = [];
  const p = new Palette(input, list, {
    suggest: (t) => suggestAliases(t, 8),
    run: async (t) => { ran.push(t); await runCommand(t, false); },
    help: () => ran.push("HELP"),
    hide: () => ran.push("HIDE"),
  });
  return { input, list, calls, ran, p };
}

const type = async (input: HTMLInputElement, text: string) => {
  input.value = text;
  input.dispatchEvent(new Event("input"));
  await new Promise((r) => setTimeout(r, 0));
};
const key = async (input: HTMLInputElement, k: string) => {
  input.dispatchEvent(new KeyboardEvent("keydown", { key: k, cancelable: true }));
  await new Promise((r) => setTimeout(r, 0));
};

describe("palette", () => {
  afterEach(() => clearMocks());

  it("asks the engine on every keystroke and previews parameters as chips", async () => {
    const { input, list, calls } = setup();
    await type(input, "deploy web");
    expect(calls).toContainEqual({ cmd: "suggest_aliases", args: { text: "deploy web", limit: 8 } });
    expect(list.querySelector(".display")?.textContent).toBe("deploy <app> to <env>");
    expect([...list.querySelectorAll(".chip")].map((c) => c.textContent)).toEqual(["app=web"]);
    expect(input.getAttribute("aria-expanded")).toBe("true");
  });

  it("Enter clears the suggestions for good: an answer still on its way does not bring them back", async () => {
    document.body.innerHTML = '<ul id="s"></ul><input id="c" />';
    const input = document.getElementById("c") as HTMLInputElement;
    const list = document.getElementById("s") as HTMLUListElement;
    let answer: (s: Suggestion[]) => void = () => {};
    const ran: string[] = [];
    new Palette(input, list, {
      suggest: () => new Promise((r) => { answer = r; }),
      run: async (t) => { ran.push(t); },
      help: () => {},
      hide: () => {},
    });
    await type(input, "deploy web");
    await key(input, "Enter");
    expect(ran).toEqual(["deploy web"]);
    answer([deploy]); // the last keystroke's suggestions arrive after Enter
    await new Promise((r) => setTimeout(r, 0));
    expect(list.children.length).toBe(0);
    expect(input.getAttribute("aria-expanded")).toBe("false");
  });

  it("Tab completes the next word, Enter runs, ↑ brings the command back", async () => {
    const { input, calls, ran } = setup();
    await type(input, "deploy web");
    await key(input, "Tab");
    expect(input.value).toBe("deploy web to ");
    input.value = "deploy web to prod";
    await key(input, "Enter");
    expect(ran).toEqual(["deploy web to prod"]);
    expect(calls.some((c) => c.cmd === "run_command" && (c.args as { text: string }).text === "deploy web to prod")).toBe(true);
    expect(input.value).toBe("");
    await key(input, "ArrowUp");
    expect(input.value).toBe("deploy web to prod");
    await key(input, "Escape");
    expect(input.value).toBe("");
    expect(ran).not.toContain("HIDE");
    // A second Esc, on the empty input, goes back to the tray.
    await key(input, "Escape");
    expect(ran).toContain("HIDE");
  });

  it("? opens help instead of running anything", async () => {
    const { input, ran, calls } = setup();
    input.value = "?";
    await key(input, "Enter");
    expect(ran).toEqual(["HELP"]);
    expect(calls.some((c) => c.cmd === "run_command")).toBe(false);
  });
});
