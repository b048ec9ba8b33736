// The conversation. Everything from a server is set as text, never as HTML.
import type { Entry } from "./types";

const LONG = 12; // lines before a result collapses

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function time(ts: string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString();
}

export class Pane {
  private seen = new Set<number>();
  private statusOf = new Map<string, HTMLElement>();

  constructor(private root: HTMLOListElement) {}

  clear(): void {
    this.root.replaceChildren();
    this.seen.clear();
    this.statusOf.clear();
  }

  add(entry: Entry): void {
    if (entry.id >= 0) {
      if (this.seen.has(entry.id)) return;
      this.seen.add(entry.id);
    }
    // A status change updates its ack's badge instead of adding a line.
    if (entry.kind === "status" && entry.execution_id) {
      const badge = this.statusOf.get(entry.execution_id);
      if (badge) {
        badge.textContent = entry.text;
        badge.dataset.status = entry.text;
        return;
      }
    }
    const li = el("li", `entry ${entry.kind}`);
    li.dataset.kind = entry.kind;
    if (entry.execution_id) li.dataset.execution = entry.execution_id;
    const meta = el("div", "meta");
    meta.append(el("time", "time", time(entry.ts)), el("span", "profile", entry.profile), el("span", "kind", entry.kind));
    li.append(meta);

    const data = entry.data ?? {};
    const note = typeof data["note"] === "string" ? (data["note"] as string) : null;
    if (note) li.append(el("div", "note", `Shown here: ${note}`));

    if (entry.kind === "result" || entry.kind === "announcement") {
      const body = el("pre", "body");
      body.textContent = entry.text;
      const lines = entry.text.split("\n").length;
      if (lines > LONG) {
        const d = el("details", "long");
        d.append(el("summary", undefined, `${lines} lines`), body);
        li.append(d);
      } else {
        li.append(body);
      }
      const copy = el("button", "copy", "Copy");
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy to clipboard");
      copy.addEventListener("click", () => void navigator.clipboard?.writeText(entry.text));
      li.append(copy);
      if (typeof data["status"] === "string") {
        li.dataset.status = data["status"] as string;
        // The result also settles its ack's live status.
        const badge = entry.execution_id ? this.statusOf.get(entry.execution_id) : undefined;
        if (badge && entry.kind === "result") {
          badge.textContent = data["status"] as string;
          badge.dataset.status = data["status"] as string;
        }
      }
    } else {
      li.append(el("div", "body", entry.text));
    }
    if (entry.kind === "ack" && entry.execution_id) {
      const badge = el("span", "badge", String(data["status"] ?? "requested"));
      this.statusOf.set(entry.execution_id, badge);
      li.append(badge);
      const url = typeof data["web_url"] === "string" ? (data["web_url"] as string) : "";
      if (/^https?:\/\//.test(url)) {
        const a = el("a", "link", "open in StackStorm");
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        li.append(a);
      }
    }
    this.root.append(li);
    li.scrollIntoView?.({ block: "end" });
  }
}
