// The help view (`?` or "help" in the palette): every alias grouped by pack,
// with its description, format and parameters (defaults shown), filtered as
// you type; Enter puts the chosen format in the palette with its first
// parameter selected, ready to be typed over. Text only, never HTML.
import type { Suggestion } from "./types";

export interface HelpDeps {
  /** Every alias, as the palette knows them. */
  list: () => Promise<Suggestion[]>;
  /** Put `text` in the palette with `[start, end)` selected, and focus it. */
  choose: (text: string, start: number, end: number) => void;
}

/** A format's parameters: `{{ name }}` or `{{ name=default }}`. */
export function parameters(representation: string): Array<{ name: string; default: string | null }> {
  return [...representation.matchAll(/\{\{\s*([\w.-]+)\s*(?:=\s*([^}]*?))?\s*\}\}/g)].map((m) => ({
    name: m[1],
    default: m[2] === undefined ? null : m[2].replace(/^["']|["']$/g, ""),
  }));
}

/**
 * The text a format puts in the palette: each parameter as its default, or
 * its name to be typed over; and where the first parameter is.
 */
export function template(representation: string): { text: string; start: number; end: number } {
  let text = "";
  let first: [number, number] | null = null;
  let last = 0;
  for (const m of representation.matchAll(/\{\{\s*([\w.-]+)\s*(?:=\s*([^}]*?))?\s*\}\}/g)) {
    text += representation.slice(last, m.index);
    const value = m[2] === undefined ? m[1] : m[2].replace(/^["']|["']$/g, "");
    if (!first) first = [text.length, text.length + value.length];
    text += value;
    last = (m.index ?? 0) + m[0].length;
  }
  text += representation.slice(last);
  const [start, end] = first ?? [text.length, text.length];
  return { text, start, end };
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class HelpView {
  readonly root: HTMLElement;
  private filter: HTMLInputElement;
  private list: HTMLElement;
  private all: Suggestion[] = [];
  private shown: Suggestion[] = [];
  private selected = 0;

  constructor(private doc: Document, private deps: HelpDeps) {
    this.root = el(doc, "section", "help");
    this.root.id = "help";
    this.root.hidden = true;
    this.root.setAttribute("role", "dialog");
    this.root.setAttribute("aria-label", "Aliases");
    const head = el(doc, "div", "help-head");
    this.filter = el(doc, "input");
    this.filter.type = "search";
    this.filter.placeholder = "Filter aliases — ↑/↓ choose, Enter uses, Esc closes";
    this.filter.setAttribute("aria-label", "Filter aliases");
    head.append(el(doc, "h2", undefined, "Aliases"), this.filter);
    this.list = el(doc, "div", "help-list");
    this.list.setAttribute("role", "listbox");
    this.root.append(head, this.list);
    doc.body.append(this.root);
    this.filter.addEventListener("input", () => {
      this.selected = 0;
      this.render();
    });
    this.filter.addEventListener("keydown", (e) => this.key(e));
  }

  async open(): Promise<void> {
    this.all = await this.deps.list();
    this.filter.value = "";
    this.selected = 0;
    this.render();
    this.root.hidden = false;
    this.filter.focus();
  }

  close(): void {
    this.root.hidden = true;
  }

  private key(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
      this.deps.choose("", 0, 0);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = this.shown.length;
      if (n) this.selected = (this.selected + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      this.use(this.shown[this.selected]);
    }
  }

  private use(s: Suggestion | undefined): void {
    if (!s) return;
    const t = template(s.representation);
    this.close();
    this.deps.choose(t.text, t.start, t.end);
  }

  private render(): void {
    const q = this.filter.value.trim().toLowerCase();
    this.shown = this.all
      .filter((s) => !q || [s.pack, s.display, s.representation, s.description ?? ""].some((f) => f.toLowerCase().includes(q)))
      .sort((a, b) => a.pack.localeCompare(b.pack) || a.display.localeCompare(b.display));
    this.list.replaceChildren();
    let pack = "";
    this.shown.forEach((s, i) => {
      if (s.pack !== pack) {
        pack = s.pack;
        this.list.append(el(this.doc, "h3", "pack", pack));
      }
      const item = el(this.doc, "div", "alias");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(i === this.selected));
      item.append(el(this.doc, "div", "display", s.display));
      if (s.description) item.append(el(this.doc, "div", "description", s.description));
      const params = parameters(s.representation);
      if (params.length) {
        const line = params.map((p) => (p.default === null ? `${p.name} (required)` : `${p.name} = ${p.default}`)).join(" · ");
        item.append(el(this.doc, "div", "params", line));
      }
      item.addEventListener("click", () => this.use(s));
      this.list.append(item);
    });
    if (!this.shown.length) this.list.append(el(this.doc, "p", "hint", q ? `No alias matches "${q}"` : "No aliases"));
    this.list.querySelector('[aria-selected="true"]')?.scrollIntoView?.({ block: "nearest" });
  }
}
