// The conversation. Everything from a server is set as text, never as HTML.
import type { Entry } from "./types";

const LONG = 12; // lines before a result collapses
const RECENT_MS = 10_000; // a failed run's reply and its recorded error meet within this

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

export interface PaneDeps {
  /** Opens a StackStorm web link (the backend decides whether it may). */
  openLink: (url: string) => void;
  /** "Share…" on a result or announcement (history id, the button). */
  share?: (entryId: number, button: HTMLButtonElement) => void;
}

/** Output as text: a block, folded behind "N lines" when long. */
function foldable(text: string, cls?: string): HTMLElement {
  const body = el("pre", cls ? `body ${cls}` : "body", text);
  const lines = text.split("\n").length;
  if (lines <= LONG) return body;
  const d = el("details", "long");
  d.append(el("summary", undefined, `${lines} lines`), body);
  return d;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class Pane {
  private seen = new Set<number>();
  private statusOf = new Map<string, HTMLElement>();
  private resultOf = new Map<string, HTMLElement>();
  /** A failed run's error shown before the desk's recorded one arrived (by text). */
  private pendingErrors = new Map<string, HTMLElement>();
  /** Errors the desk recorded lately (text → when), so a run's failure is shown once. */
  private recordedErrors = new Map<string, number>();
  /** The text a result card shows (its result, or the announcement that replaced it). */
  private bodyOf = new Map<string, HTMLElement>();

  constructor(
    private root: HTMLOListElement,
    private deps: PaneDeps = { openLink: () => {} },
  ) {}

  private link(url: unknown): HTMLAnchorElement | null {
    if (typeof url !== "string" || !/^https?:\/\//.test(url)) return null;
    const a = el("a", "link", "open in StackStorm");
    a.href = url;
    a.rel = "noopener noreferrer";
    // The webview never navigates: the system browser opens it, if allowed.
    a.addEventListener("click", (e) => {
      e.preventDefault();
      this.deps.openLink(url);
    });
    return a;
  }

  /** Scroll to an execution's result (or its ack) and highlight it. */
  focusExecution(id: string): boolean {
    const li = this.resultOf.get(id) ?? this.statusOf.get(id)?.closest("li") ?? null;
    if (!li) return false;
    for (const h of this.root.querySelectorAll(".highlight")) h.classList.remove("highlight");
    li.classList.add("highlight");
    li.setAttribute("tabindex", "-1");
    li.scrollIntoView?.({ block: "center" });
    (li as HTMLElement).focus?.();
    return true;
  }

  clear(): void {
    this.root.replaceChildren();
    this.seen.clear();
    this.statusOf.clear();
    this.resultOf.clear();
    this.bodyOf.clear();
    this.pendingErrors.clear();
    this.recordedErrors.clear();
  }

  /**
   * A command that failed. The desk records most failures (after the command
   * they belong to) and sends them as entries too, in either order with the
   * reply: shown once, after the command. A failure it did not record (bad
   * input, no server) stays as this note.
   */
  addRunError(message: string, kind: string): void {
    const at = this.recordedErrors.get(message);
    if (at !== undefined && Date.now() - at < RECENT_MS) return;
    const li = this.add({ id: -1, ts: new Date().toISOString(), profile: "", kind: "error", execution_id: null, text: message, data: { kind } });
    if (li) this.pendingErrors.set(message, li);
  }

  /** The oldest history id on screen (for scrolling back), if any. */
  oldestId(): number | null {
    let min: number | null = null;
    for (const id of this.seen) if (min === null || id < min) min = id;
    return min;
  }

  /**
   * Older history (oldest first) above what is shown, keeping the view
   * where it was: scrolling back never jumps.
   */
  addOlder(entries: Entry[]): number {
    const fresh = entries.filter((e) => !this.seen.has(e.id));
    if (fresh.length === 0) return 0;
    const before = this.root.scrollHeight;
    const top = this.root.scrollTop;
    const frag = document.createDocumentFragment();
    for (const e of fresh) this.add(e, frag);
    this.root.prepend(frag);
    this.root.scrollTop = top + (this.root.scrollHeight - before);
    return fresh.length;
  }

  add(entry: Entry, into?: DocumentFragment): HTMLElement | null {
    if (entry.id >= 0) {
      if (this.seen.has(entry.id)) return null;
      this.seen.add(entry.id);
      if (entry.kind === "error") {
        // Only recent ones matter: the map stays as small as a burst of failures.
        const now = Date.now();
        for (const [text, at] of this.recordedErrors) if (now - at >= RECENT_MS) this.recordedErrors.delete(text);
        this.recordedErrors.set(entry.text, now);
        // The same failure, shown early by the reply: the recorded one,
        // after its command, takes its place.
        this.pendingErrors.get(entry.text)?.remove();
        this.pendingErrors.delete(entry.text);
      }
    }
    // A status change updates its ack's badge instead of adding a line.
    if (entry.kind === "status" && entry.execution_id) {
      const badge = this.statusOf.get(entry.execution_id);
      if (badge) {
        badge.textContent = entry.text;
        badge.dataset.status = entry.text;
        return null;
      }
    }
    const data = isObject(entry.data) ? entry.data : {};
    // StackStorm's announcement of a result already shown takes the place
    // of that result's text (same execution): one text on the card, in the
    // announcement's formatting, the raw result one click away.
    if (entry.kind === "announcement" && data["enriches"] === true && entry.execution_id) {
      const shown = this.bodyOf.get(entry.execution_id);
      if (shown) {
        const card = shown.closest("li") as HTMLElement;
        // (A folded body's text is its <pre>'s, without the summary.)
        const before = (shown.querySelector("pre") ?? shown).textContent ?? "";
        const next = foldable(entry.text, "enrichment");
        next.setAttribute("aria-label", "StackStorm's message");
        shown.replaceWith(next);
        this.bodyOf.set(entry.execution_id, next);
        if (!card.querySelector("details.raw")) {
          const raw = el("details", "raw");
          raw.append(el("summary", undefined, "raw result"), el("pre", "body raw-result", before));
          next.after(raw);
        }
        return null;
      }
    }
    const li = el("li", `entry ${entry.kind}`);
    li.dataset.kind = entry.kind;
    if (entry.execution_id) li.dataset.execution = entry.execution_id;
    const meta = el("div", "meta");
    meta.append(el("time", "time", time(entry.ts)), el("span", "profile", entry.profile), el("span", "kind", entry.kind));
    li.append(meta);
    // Relayed conversations are marked with where they came from / went.
    if (typeof data["origin"] === "string") {
      const who = typeof data["chat_user"] === "string" ? ` · ${data["chat_user"]}` : "";
      meta.append(el("span", "origin", `via ${data["origin"]}${who}`));
      li.dataset.origin = data["origin"] as string;
    }
    if (typeof data["relayed"] === "string") meta.append(el("span", "origin", `→ ${data["relayed"]}`));

    const note = typeof data["note"] === "string" ? (data["note"] as string) : null;
    if (note) li.append(el("div", "note", `Shown here: ${note}`));

    if (entry.kind === "result" || entry.kind === "announcement") {
      const body = foldable(entry.text);
      li.append(body);
      const copy = el("button", "copy", "Copy");
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy to clipboard");
      copy.addEventListener("click", () => void navigator.clipboard?.writeText(entry.text));
      li.append(copy);
      const share = this.deps.share;
      if (share && entry.id >= 0) {
        const b = el("button", "share", "Share…");
        b.type = "button";
        b.setAttribute("aria-haspopup", "menu");
        b.setAttribute("aria-label", "Share to Slack or Teams");
        b.addEventListener("click", () => share(entry.id, b));
        li.append(b);
      }
      if (entry.kind === "result" && entry.execution_id) {
        this.resultOf.set(entry.execution_id, li);
        this.bodyOf.set(entry.execution_id, body);
        const a = this.link(data["web_url"]);
        if (a) li.append(a);
      }
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
      const a = this.link(data["web_url"]);
      if (a) li.append(a);
    }
    if (into) {
      into.append(li);
      return li;
    }
    this.root.append(li);
    li.scrollIntoView?.({ block: "end" });
    return li;
  }
}
