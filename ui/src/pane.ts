// The conversation. Everything from a server is set as text, never as HTML.
import { makeEntry } from "./entries";
import { el, foldable, jsonTree, time } from "./cards/dom";
import { parseChanges } from "./cards/forms";
import { Clock, closeInquiry, inquiryCard, type InquiryParts } from "./cards/inquiry";
import { appendOutput, FINAL, showTask } from "./cards/live";
import { View } from "./cards/view";

export { LIVE_MAX } from "./cards/live";

export { jsonTree, timeLeft } from "./cards/dom";
export { parseChanges, readField } from "./cards/forms";
import type { AckData, AnnouncementData, Entry, ExecutionControl, InquiryData, JsonValue, OutputText, ResultData, Via } from "./types";

const RECENT_MS = 10_000; // a failed run's reply and its recorded error meet within this

export interface PaneDeps {
  /** Opens a StackStorm web link (the backend decides whether it may). */
  openLink: (url: string) => void;
  /** "Share…" on a result or announcement (history id, the button). */
  share?: (entryId: number, button: HTMLButtonElement) => void;
  /** Cancel (while it runs) or re-run (once it ended) an execution. */
  control?: (executionId: string, control: ExecutionControl) => Promise<Entry[]>;
  /** Re-run an execution with some parameters changed (`key=value`). */
  rerunWith?: (executionId: string, changes: string[]) => Promise<Entry[]>;
  /** Send an inquiry's answer (checked here first, then by StackStorm). */
  respond?: (inquiryId: string, answer: { [key in string]: JsonValue }) => Promise<Entry[]>;
}


export class Pane {
  /** What is on screen now; a profile switch starts a new one. */
  private v = new View();
  /** Keeps open inquiries' "expires in" lines current. */
  private clock = new Clock(() => this.v);

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
    const li = this.v.of(id)?.result ?? this.v.of(id)?.status?.closest("li") ?? null;
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
    this.v = new View();
    this.clock.stop();
  }

  /**
   * A command that failed. The desk records most failures (after the command
   * they belong to) and sends them as entries too, in either order with the
   * reply: shown once, after the command. A failure it did not record (bad
   * input, no server) stays as this note.
   */
  addRunError(message: string, kind: string): void {
    const at = this.v.recordedErrors.get(message);
    if (at !== undefined && Date.now() - at < RECENT_MS) return;
    const li = this.add(makeEntry("error", message, { kind }));
    if (li) this.v.pendingErrors.set(message, li);
  }

  /** The oldest history id on screen (for scrolling back), if any. */
  oldestId(): number | null {
    let min: number | null = null;
    for (const id of this.v.seen) if (min === null || id < min) min = id;
    return min;
  }

  /**
   * Older history (oldest first) above what is shown, keeping the view
   * where it was: scrolling back never jumps.
   */
  addOlder(entries: Entry[]): number {
    const fresh = entries.filter((e) => !this.v.seen.has(e.id));
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
    if (!this.admit(entry)) return null;
    const li = this.render(entry);
    if (!li) return null;
    if (into) {
      into.append(li);
      return li;
    }
    this.root.append(li);
    li.scrollIntoView?.({ block: "end" });
    return li;
  }

  /** Whether `entry` is new here; keeps the failed-run bookkeeping. */
  private admit(entry: Entry): boolean {
    if (entry.id < 0) return true;
    if (this.v.seen.has(entry.id)) return false;
    this.v.seen.add(entry.id);
    if (entry.kind === "error") {
      // Only recent ones matter: the map stays as small as a burst of failures.
      const now = Date.now();
      for (const [text, at] of this.v.recordedErrors) if (now - at >= RECENT_MS) this.v.recordedErrors.delete(text);
      this.v.recordedErrors.set(entry.text, now);
      // The same failure, shown early by the reply: the recorded one,
      // after its command, takes its place.
      this.v.pendingErrors.get(entry.text)?.remove();
      this.v.pendingErrors.delete(entry.text);
    }
    return true;
  }

  /**
   * One card per kind. A new kind in the bindings fails the type check here
   * until it has a card. `null`: the entry updated a card already shown.
   */
  private render(entry: Entry): HTMLElement | null {
    switch (entry.kind) {
      case "status":
        return this.statusUpdate(entry.execution_id, entry.data.status) ? null : this.textCard(entry);
      case "announcement":
        if (entry.data.enriches && entry.execution_id && this.enrich(entry.execution_id, entry.text)) return null;
        return this.announcementCard(entry, entry.data);
      case "result":
        return this.resultCard(entry, entry.data);
      case "ack":
        return this.ackCard(entry, entry.data);
      case "inquiry":
        return this.inquiryCard(entry, entry.data);
      case "note":
        if (entry.execution_id && closeInquiry(this.inquiryParts(), entry.execution_id, entry.data, entry.text)) return null;
        return this.textCard(entry, entry.data);
      case "command":
      case "error":
        return this.textCard(entry, entry.data);
      default:
        return unknownKind(entry);
    }
  }

  /** A status change moves its ack's badge instead of adding a line. */
  private statusUpdate(executionId: string | null, status: string): boolean {
    const badge = executionId ? this.v.of(executionId)?.status : undefined;
    if (!badge) return false;
    badge.textContent = status;
    badge.dataset.status = status;
    if (executionId) this.showControls(executionId, status);
    return true;
  }

  /**
   * What a running execution printed, appended to its ack card as text
   * (stderr marked), the latest LIVE_MAX characters kept (cards/live.ts).
   */
  addOutput(executionId: string, chunks: OutputText[]): void {
    appendOutput(this.v, this.root, executionId, chunks);
  }

  /** A workflow's task started, moved on or ended: one row per task on its card. */
  addTask(workflowId: string, taskExecution: string, task: string, status: string): void {
    showTask(this.v, workflowId, taskExecution, task, status);
  }

  /** The result replaces the live output (the task list stays: what ran). */
  private endLive(executionId: string): void {
    this.v.of(executionId)?.live?.pre.remove();
    delete this.v.card(executionId).live;
  }

  /** Which controls an execution's card offers in `status`. */
  private showControls(executionId: string, status: string): void {
    const wf = this.v.of(executionId)?.pausing;
    if (FINAL.has(status)) {
      this.endLive(executionId);
      this.v.of(executionId)?.cancel?.remove();
      delete this.v.card(executionId).cancel;
      wf?.pause.remove();
      wf?.resume.remove();
      delete this.v.card(executionId).pausing;
      return;
    }
    if (wf) {
      const paused = status === "paused" || status === "pausing";
      wf.pause.hidden = paused;
      wf.resume.hidden = !paused;
    }
  }

  /**
   * A control on the card: busy while StackStorm answers; its entries join
   * the pane; a refusal is shown on the card with StackStorm's reason.
   */
  private controlButton(li: HTMLElement, executionId: string, control: ExecutionControl, label: string): HTMLButtonElement | null {
    const run = this.deps.control;
    if (!run) return null;
    const b = el("button", `control ${control}`, label);
    b.type = "button";
    b.dataset.control = control;
    b.setAttribute("aria-label", `${label} execution ${executionId}`);
    b.addEventListener("click", () => {
      b.disabled = true;
      li.querySelector(".control-error")?.remove();
      run(executionId, control).then(
        (entries) => {
          entries.forEach((e) => this.add(e));
          b.disabled = false;
        },
        (e: unknown) => {
          const message = typeof e === "object" && e && "message" in e ? String(e.message) : String(e);
          const err = el("div", "control-error", message);
          err.setAttribute("role", "alert");
          b.after(err);
          b.disabled = false;
        },
      );
    });
    li.append(b);
    return b;
  }

  /**
   * StackStorm's announcement of a result already shown takes the place of
   * that result's text (same execution): one text on the card, in the
   * announcement's formatting, the raw result one click away.
   */
  private enrich(executionId: string, text: string): boolean {
    const shown = this.v.of(executionId)?.body;
    if (!shown) return false;
    const card = shown.closest("li") as HTMLElement;
    const before = this.v.of(executionId)?.raw ?? shown.textContent ?? "";
    const next = foldable(text, "enrichment");
    next.setAttribute("aria-label", "StackStorm's message");
    shown.replaceWith(next);
    this.v.card(executionId).body = next;
    if (!card.querySelector("details.raw")) {
      const raw = el("details", "raw");
      raw.append(el("summary", undefined, "raw result"), el("pre", "body raw-result", before));
      next.after(raw);
    }
    return true;
  }

  /** The card's frame: time, profile, kind, and where a relayed entry came from. */
  private card(entry: Entry, via?: Via): HTMLElement {
    const li = el("li", `entry ${entry.kind}`);
    li.dataset.kind = entry.kind;
    if (entry.execution_id) li.dataset.execution = entry.execution_id;
    const meta = el("div", "meta");
    meta.append(el("time", "time", time(entry.ts)), el("span", "profile", entry.profile), el("span", "kind", entry.kind));
    li.append(meta);
    if (via?.origin) {
      const who = via.chat_user ? ` · ${via.chat_user}` : "";
      meta.append(el("span", "origin", `via ${via.origin}${who}`));
      li.dataset.origin = via.origin;
    }
    return li;
  }

  private textCard(entry: Entry, via?: Via): HTMLElement {
    const li = this.card(entry, via);
    li.append(el("div", "body", entry.text));
    return li;
  }

  /**
   * Output (a result or an announcement): a JSON result as a tree, long
   * text folded; Copy gives the raw text; Share.
   */
  private outputCard(entry: Entry, tree = false): { li: HTMLElement; body: HTMLElement } {
    const li = this.card(entry);
    const body = (tree ? jsonTree(entry.text) : null) ?? foldable(entry.text);
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
    return { li, body };
  }

  private announcementCard(entry: Entry, data: AnnouncementData): HTMLElement {
    const { li, body } = this.outputCard(entry);
    if (data.relayed) li.querySelector(".meta")?.append(el("span", "origin", `→ ${data.relayed}`));
    if (data.note) body.before(el("div", "note", `Shown here: ${data.note}`));
    return li;
  }

  private resultCard(entry: Entry, data: ResultData): HTMLElement {
    const { li, body } = this.outputCard(entry, true);
    if (entry.execution_id) {
      this.v.card(entry.execution_id).result = li;
      this.v.card(entry.execution_id).body = body;
      this.v.card(entry.execution_id).raw = entry.text;
      const a = this.link(data.web_url);
      if (a) li.append(a);
      // The result also settles its ack's live status.
      this.statusUpdate(entry.execution_id, data.status);
      this.controlButton(li, entry.execution_id, "rerun", "Re-run");
      this.rerunWithButton(li, entry.execution_id, data.parameters ?? {});
    }
    li.dataset.status = data.status;
    return li;
  }

  /**
   * "Re-run with…": the parameters it ran with (as text), a field for the
   * ones to change (`key=value`, the rest stay), Enter runs, Esc closes.
   * The action's own refusal (unknown, immutable, wrong type) shows here.
   */
  private rerunWithButton(li: HTMLElement, executionId: string, params: { [key in string]?: JsonValue }): void {
    const rerun = this.deps.rerunWith;
    if (!rerun) return;
    const open = el("button", "control rerun-with", "Re-run with…");
    open.type = "button";
    open.setAttribute("aria-label", `Re-run execution ${executionId} with changed parameters`);
    open.setAttribute("aria-expanded", "false");
    const form = el("form", "rerun-form");
    form.hidden = true;
    const now = Object.entries(params)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("  ");
    const hint = el("div", "facts", now ? `ran with: ${now}` : "ran without parameters");
    const input = el("input");
    input.name = "changes";
    input.placeholder = "changes, e.g. env=prod count=3";
    input.setAttribute("aria-label", "parameters to change, as key=value");
    const send = el("button", "answer", "Re-run");
    send.type = "submit";
    const error = el("div", "control-error");
    error.setAttribute("role", "alert");
    form.append(hint, input, send, error);
    const toggle = (show: boolean) => {
      form.hidden = !show;
      open.setAttribute("aria-expanded", String(show));
      if (show) input.focus();
    };
    open.addEventListener("click", () => toggle(form.hidden !== false));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        toggle(false);
        open.focus();
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const { changes, error: bad } = parseChanges(input.value);
      error.textContent = bad ?? "";
      if (bad) return;
      send.disabled = true;
      rerun(executionId, changes).then(
        (entries) => {
          entries.forEach((e) => this.add(e));
          send.disabled = false;
          input.value = "";
          toggle(false);
        },
        (e: unknown) => {
          error.textContent = typeof e === "object" && e && "message" in e ? String(e.message) : String(e);
          send.disabled = false;
        },
      );
    });
    li.append(open, form);
  }

  /**
   * A workflow waits for an answer: the question, who may answer, when it
   * expires, and a form built from its schema. Everything shown is text.
   */
  private inquiryCard(entry: Entry, data: InquiryData): HTMLElement {
    return inquiryCard(this.inquiryParts(), entry, data);
  }

  private inquiryParts(): InquiryParts {
    return {
      view: this.v,
      clock: this.clock,
      base: (entry) => this.card(entry),
      add: (entry) => void this.add(entry),
      respond: this.deps.respond,
    };
  }

  private ackCard(entry: Entry, data: AckData): HTMLElement {
    const li = this.textCard(entry, data);
    if (entry.execution_id) {
      const status = data.status ?? "requested";
      const badge = el("span", "badge", status);
      badge.dataset.status = status;
      this.v.card(entry.execution_id).status = badge;
      li.append(badge);
      const a = this.link(data.web_url);
      if (a) li.append(a);
      if (!FINAL.has(status)) {
        const cancel = this.controlButton(li, entry.execution_id, "cancel", "Cancel");
        if (cancel) this.v.card(entry.execution_id).cancel = cancel;
        if (data.workflow) {
          const pause = this.controlButton(li, entry.execution_id, "pause", "Pause");
          const resume = this.controlButton(li, entry.execution_id, "resume", "Resume");
          if (pause && resume) this.v.card(entry.execution_id).pausing = { pause, resume };
        }
        this.showControls(entry.execution_id, status);
      }
    }
    return li;
  }
}

function unknownKind(entry: never): null {
  // Only reachable with a kind newer than this UI (from a newer history).
  void entry;
  return null;
}
