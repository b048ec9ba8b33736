// "Share to…": a small menu on a result or announcement, listing the
// configured webhooks and the chat conversations the relay has heard from.
// Keyboard-first: ↑/↓ move, Enter shares, Delete forgets a conversation,
// Esc closes and returns focus.
import type { ShareTarget } from "./types";
import { isIpcError } from "./types";

export interface ShareDeps {
  list: () => Promise<ShareTarget[]>;
  share: (entryId: number, target: string) => Promise<ShareTarget>;
  /** Take a conversation off the list (not a webhook). */
  forget: (target: string) => Promise<ShareTarget[]>;
  openSettings: () => void;
}

const isWebhook = (t: ShareTarget) => t.id.startsWith("webhook:");

const EMPTY =
  "Nothing to share to yet. Add a Slack or Teams webhook in Settings ▸ Relay, or connect Slack or Teams: a conversation appears here once it has messaged the bot.";

export class ShareMenu {
  private menu: HTMLDivElement | null = null;
  private anchor: HTMLElement | null = null;

  constructor(
    private doc: Document,
    private deps: ShareDeps,
  ) {
    // A click elsewhere closes the menu, as menus do.
    doc.addEventListener("mousedown", (e) => {
      const t = e.target as Node | null;
      if (this.menu && t && !this.menu.contains(t) && t !== this.anchor) this.close(false);
    });
  }

  get isOpen(): boolean {
    return this.menu !== null;
  }

  close(refocus = true): void {
    this.menu?.remove();
    this.menu = null;
    if (refocus) this.anchor?.focus();
    this.anchor = null;
  }

  private say(text: string, kind: "ok" | "error" | "busy"): void {
    const msg = this.menu?.querySelector<HTMLElement>(".msg");
    if (!msg) return;
    msg.textContent = text;
    msg.dataset.kind = kind;
  }

  private items(): HTMLButtonElement[] {
    return [...(this.menu?.querySelectorAll<HTMLButtonElement>("button[role=menuitem]") ?? [])];
  }

  async open(entryId: number, anchor: HTMLElement): Promise<void> {
    this.close(false);
    const d = this.doc;
    const menu = d.createElement("div");
    menu.className = "share-menu";
    menu.id = "share-menu";
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", "Share to");
    const msg = d.createElement("p");
    msg.className = "msg";
    msg.setAttribute("role", "status");
    msg.textContent = "Loading…";
    menu.append(msg);
    anchor.after(menu);
    anchor.setAttribute("aria-expanded", "true");
    this.menu = menu;
    this.anchor = anchor;
    menu.addEventListener("keydown", (e) => this.onKey(e));

    let targets: ShareTarget[];
    try {
      targets = await this.deps.list();
    } catch (e) {
      this.say(isIpcError(e) ? e.message : String(e), "error");
      return;
    }
    if (this.menu !== menu) return; // closed meanwhile
    msg.textContent = "";
    if (targets.length === 0) {
      this.say(EMPTY, "ok");
      const go = d.createElement("button");
      go.type = "button";
      go.setAttribute("role", "menuitem");
      go.textContent = "Open Settings";
      go.addEventListener("click", () => {
        this.close(false);
        this.deps.openSettings();
      });
      menu.append(go);
      go.focus();
      return;
    }
    for (const t of targets) {
      const b = d.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitem");
      b.dataset.target = t.id;
      b.dataset.service = t.service;
      b.textContent = t.label; // a conversation's name comes from chat: text only
      b.addEventListener("click", () => void this.share(entryId, t));
      if (isWebhook(t)) {
        menu.insertBefore(b, msg);
        continue;
      }
      // A conversation can be forgotten: ✕, or Delete on the item.
      b.setAttribute("aria-keyshortcuts", "Delete");
      const row = d.createElement("div");
      row.className = "row";
      row.setAttribute("role", "none");
      const x = d.createElement("button");
      x.type = "button";
      x.className = "forget";
      x.tabIndex = -1;
      x.textContent = "✕";
      x.title = "Forget this conversation";
      x.setAttribute("aria-label", `Forget ${t.label}`);
      x.addEventListener("click", () => void this.forget(t, b));
      row.append(b, x);
      menu.insertBefore(row, msg);
    }
    this.items()[0]?.focus();
  }

  private async forget(t: ShareTarget, item: HTMLButtonElement): Promise<void> {
    const items = this.items();
    const next = items[items.indexOf(item) + 1] ?? items[items.indexOf(item) - 1];
    try {
      await this.deps.forget(t.id);
    } catch (e) {
      this.say(isIpcError(e) ? e.message : String(e), "error");
      return;
    }
    (item.closest(".row") ?? item).remove();
    this.say(`Forgot ${t.label}. It comes back if it messages the bot again.`, "ok");
    if (next) next.focus();
    else this.menu?.querySelector<HTMLElement>(".msg")?.focus();
  }

  private async share(entryId: number, t: ShareTarget): Promise<void> {
    const anchor = this.anchor;
    this.say(`Sharing to ${t.label}…`, "busy");
    for (const b of this.items()) b.disabled = true;
    try {
      const done = await this.deps.share(entryId, t.id);
      this.close();
      if (anchor) {
        anchor.textContent = "Shared ✓";
        anchor.title = `Shared to ${done.label}`;
      }
    } catch (e) {
      for (const b of this.items()) b.disabled = false;
      this.say(isIpcError(e) ? e.message : String(e), "error");
    }
  }

  private onKey(e: KeyboardEvent): void {
    const items = this.items();
    const at = items.indexOf(this.doc.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    } else if (e.key === "Delete" && at >= 0 && items[at].hasAttribute("aria-keyshortcuts")) {
      e.preventDefault();
      const item = items[at];
      const t = { id: item.dataset.target ?? "", label: item.textContent ?? "", service: item.dataset.service ?? "" };
      void this.forget(t, item);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (items.length === 0) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      items[(at + step + items.length) % items.length]?.focus();
    }
  }
}
