// The command input: suggestions on every keystroke, parameter preview as
// chips, Tab completes, ↑/↓ walk history, Enter runs, Esc clears.
import type { Suggestion } from "./types";

export interface PaletteDeps {
  suggest: (text: string) => Promise<Suggestion[]>;
  run: (text: string) => Promise<void>;
  help: () => void;
  /** Esc on an empty input: back to the tray. */
  hide: () => void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class Palette {
  private items: Suggestion[] = [];
  private history: string[] = [];
  private cursor = -1;
  private seq = 0;

  constructor(
    private input: HTMLInputElement,
    private list: HTMLUListElement,
    private deps: PaletteDeps,
  ) {
    input.addEventListener("input", () => void this.refresh());
    input.addEventListener("keydown", (e) => void this.key(e));
  }

  setHistory(commands: string[]): void {
    this.history = commands;
    this.cursor = -1;
  }

  async refresh(): Promise<void> {
    const text = this.input.value;
    const mine = ++this.seq;
    if (text.trim() === "") {
      this.render([]);
      return;
    }
    const items = await this.deps.suggest(text);
    // An older keystroke's answer never overwrites a newer one.
    if (mine === this.seq) this.render(items);
  }

  /** Empty the input and the list; an answer still on its way is dropped. */
  private clear(): void {
    this.seq++;
    this.input.value = "";
    this.render([]);
  }

  private render(items: Suggestion[]): void {
    this.items = items;
    this.list.replaceChildren(
      ...items.map((s, i) => {
        const li = el("li", `suggestion ${s.kind}`);
        li.setAttribute("role", "option");
        li.id = `suggestion-${i}`;
        li.setAttribute("aria-selected", i === 0 ? "true" : "false");
        li.append(el("span", "display", s.display), el("span", "ref", s.ref));
        const chips = el("span", "chips");
        for (const [k, v] of Object.entries(s.params)) {
          chips.append(el("span", "chip", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`));
        }
        if (s.next?.type === "param") {
          chips.append(el("span", "chip next", `next: ${s.next.name}${s.next.default !== null ? ` (default ${s.next.default})` : ""}`));
        }
        li.append(chips);
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          this.complete(s);
        });
        return li;
      }),
    );
    this.input.setAttribute("aria-expanded", items.length > 0 ? "true" : "false");
    if (items.length > 0) this.input.setAttribute("aria-activedescendant", "suggestion-0");
    else this.input.removeAttribute("aria-activedescendant");
  }

  /// Tab: finish the word being typed, or the command up to its next parameter.
  private complete(s: Suggestion): void {
    const text = this.input.value;
    if (s.next?.type === "word") {
      const words = text.split(/\s+/);
      const last = words[words.length - 1] ?? "";
      const typing = !/\s$/.test(text) && s.next.word.startsWith(last);
      this.input.value = (typing ? text.slice(0, text.length - last.length) : text.replace(/\s*$/, " ")) + s.next.word + " ";
    } else if (s.kind === "fuzzy") {
      const head = s.representation.split("{{")[0];
      this.input.value = head.trimEnd() + " ";
    }
    void this.refresh();
  }

  private async key(e: KeyboardEvent): Promise<void> {
    switch (e.key) {
      case "Tab":
        if (this.items.length > 0) {
          e.preventDefault();
          this.complete(this.items[0]);
        }
        return;
      case "ArrowUp":
      case "ArrowDown": {
        if (this.history.length === 0) return;
        e.preventDefault();
        const up = e.key === "ArrowUp";
        this.cursor = up ? Math.min(this.cursor + 1, this.history.length - 1) : Math.max(this.cursor - 1, -1);
        this.input.value = this.cursor >= 0 ? this.history[this.history.length - 1 - this.cursor] : "";
        await this.refresh();
        return;
      }
      case "Escape":
        if (this.input.value === "") {
          this.deps.hide();
          return;
        }
        this.clear();
        return;
      case "Enter": {
        e.preventDefault();
        const text = this.input.value.trim();
        if (text === "") return;
        if (text === "?" || text === "help") {
          this.clear();
          this.deps.help();
          return;
        }
        this.history.push(text);
        this.cursor = -1;
        this.clear();
        await this.deps.run(text);
        return;
      }
    }
  }
}
