// Building the pane's cards: elements made with text only (never HTML),
// long text folded, a JSON result drawn as a tree, times as people read them.
import type { JsonValue } from "../types";

export const LONG = 12; // lines before a result collapses

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** "expires in 12 min", "expires in 40 s", "expired 10:42:00": time left until `at`. */
export function timeLeft(at: number, now: number): string {
  const left = at - now;
  if (left <= 0) return `expired ${new Date(at).toLocaleTimeString()}`;
  if (left < 90_000) return `expires in ${Math.ceil(left / 1000)} s`;
  if (left < 90 * 60_000) return `expires in ${Math.round(left / 60_000)} min`;
  return `expires in ${Math.round(left / 3_600_000)} h (${new Date(at).toLocaleTimeString()})`;
}

export function time(ts: string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString();
}

/**
 * Output as text: a block; a long one shows its first lines and a
 * "show all N lines" toggle (the whole text is the copy's, either way).
 */
export function foldable(text: string, cls?: string): HTMLElement {
  const body = el("pre", cls ? `body ${cls}` : "body", text);
  const lines = text.split("\n");
  if (lines.length <= LONG) return body;
  const head = lines.slice(0, LONG).join("\n");
  body.textContent = head;
  const box = el("div", "long");
  const toggle = el("button", "show-all", `show all ${lines.length} lines`);
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", () => {
    const all = toggle.getAttribute("aria-expanded") !== "true";
    body.textContent = all ? text : head;
    toggle.textContent = all ? "show less" : `show all ${lines.length} lines`;
    toggle.setAttribute("aria-expanded", String(all));
  });
  box.append(body, toggle);
  return box;
}

/** The most nodes a result's tree draws; past it, the text is shown instead. */
const TREE_MAX = 2000;

/**
 * A JSON result as a tree, as text: objects and arrays fold (the first two
 * levels open), leaves show their JSON. `null` when `text` is not a JSON
 * object or array, or too big to draw.
 */
export function jsonTree(text: string): HTMLElement | null {
  const t = text.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return null;
  let value: JsonValue;
  try {
    value = JSON.parse(t) as JsonValue;
  } catch {
    return null;
  }
  let budget = TREE_MAX;
  let truncated = false;
  const node = (v: JsonValue, key: string | null, depth: number): HTMLElement => {
    budget--;
    const label = key === null ? [] : [el("span", "json-key", key), el("span", "json-sep", ": ")];
    if (v !== null && typeof v === "object") {
      const items: Array<[string, JsonValue]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v).map(([k, x]) => [k, x as JsonValue]);
      const d = el("details", "json-node");
      d.open = depth < 2;
      const sum = el("summary");
      sum.append(...label, el("span", "json-count", Array.isArray(v) ? `[${items.length}]` : `{${items.length}}`));
      const list = el("ul");
      for (const [k, x] of items) {
        if (budget <= 0) {
          truncated = true;
          break;
        }
        const li = el("li");
        li.append(node(x, k, depth + 1));
        list.append(li);
      }
      d.append(sum, list);
      return d;
    }
    const leaf = el("span", "json-leaf");
    const kind = v === null ? "null" : typeof v;
    leaf.append(...label, el("span", `json-${kind}`, JSON.stringify(v)));
    return leaf;
  };
  if (value === null || typeof value !== "object") return null;
  const root = el("div", "body json-tree");
  root.append(node(value, null, 0));
  return truncated ? null : root;
}
