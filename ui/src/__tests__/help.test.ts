import { beforeEach, describe, expect, it } from "vitest";
import { HelpView, parameters, template } from "../help";
import type { Suggestion } from "../types";

const alias = (pack: string, display: string, representation: string, description: string | null = null): Suggestion => ({
  ref: `${pack}.${display.split(" ")[0]}`, pack, display, representation, description, kind: "partial", params: {}, next: null, score: 0,
});

const all = [
  alias("ops", "deploy <app> to <env>", "deploy {{ app }} to {{ env=staging }}", "Deploy an application"),
  alias("ops", "restart <service>", "restart {{service}}", "Restart a <b>service</b>"),
  alias("custom_linux", "genpass", "genpass", null),
];

describe("help view", () => {
  let chosen: Array<[string, number, number]>;
  let view: HelpView;
  beforeEach(() => {
    document.body.innerHTML = "";
    chosen = [];
    view = new HelpView(document, { list: async () => all, choose: (t, s, e) => chosen.push([t, s, e]) });
  });

  it("reads a format's parameters and defaults", () => {
    expect(parameters("deploy {{ app }} to {{ env=staging }}")).toEqual([
      { name: "app", default: null },
      { name: "env", default: "staging" },
    ]);
    expect(template("deploy {{ app }} to {{ env=staging }}")).toEqual({ text: "deploy app to staging", start: 7, end: 10 });
    expect(template("genpass")).toEqual({ text: "genpass", start: 7, end: 7 });
  });

  it("lists aliases by pack with their parameters, filters as you type, and Enter puts the format in the palette", async () => {
    await view.open();
    const root = view.root;
    expect(root.hidden).toBe(false);
    expect([...root.querySelectorAll(".pack")].map((p) => p.textContent)).toEqual(["custom_linux", "ops"]);
    expect(root.querySelector(".alias")!.querySelector(".params")).toBeNull(); // genpass: none
    const deploy = [...root.querySelectorAll(".alias")].find((a) => a.textContent?.includes("deploy"))!;
    expect(deploy.querySelector(".params")!.textContent).toBe("app (required) · env = staging");
    // Server text stays text.
    expect(root.querySelector("b")).toBeNull();

    const filter = root.querySelector("input") as HTMLInputElement;
    expect(document.activeElement).toBe(filter);
    filter.value = "deploy";
    filter.dispatchEvent(new Event("input"));
    expect([...root.querySelectorAll(".alias .display")].map((d) => d.textContent)).toEqual(["deploy <app> to <env>"]);
    filter.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(chosen).toEqual([["deploy app to staging", 7, 10]]);
    expect(root.hidden).toBe(true);

    await view.open();
    filter.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    expect(root.querySelector('[aria-selected="true"] .display')!.textContent).toBe("deploy <app> to <env>");
    filter.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(root.hidden).toBe(true);
  });
});
