// An inquiry's card: who may answer, how long it waits, and its form (each
// field checked here, then judged by StackStorm); a note that it was answered
// or closed ends the form.
import type { PaneDeps } from "../pane";
import type { Entry, Field, InquiryData, JsonValue, NoteData } from "../types";
import { el, timeLeft } from "./dom";
import { readField } from "./forms";
import type { View } from "./view";

/** Notes that close an inquiry's card (the desk's names). */
const INQUIRY_CLOSERS = new Set(["inquiry_answered", "inquiry_closed"]);

/** What an inquiry card needs of the pane. */
export interface InquiryParts {
  view: View;
  clock: Clock;
  /** The card every entry starts from. */
  base: (entry: Entry) => HTMLElement;
  /** Show entries the answer produced. */
  add: (entry: Entry) => void;
  respond?: PaneDeps["respond"];
}

/**
 * Ticks only while an open inquiry has a deadline (every second in its last
 * 90 s, every 15 s before): with none waiting, nothing wakes the UI.
 */
export class Clock {
  private ticker: ReturnType<typeof setTimeout> | null = null;

  constructor(private view: () => View) {}

  /** Keep an open inquiry's "expires in" current. */
  countDown(id: string, line: HTMLElement, at: number): void {
    this.view().expiries.set(id, { line, at });
    this.stop();
    this.tick();
  }

  private tick(): void {
    const now = Date.now();
    let soonest = Infinity;
    const expiries = this.view().expiries;
    for (const [qid, x] of expiries) {
      x.line.textContent = timeLeft(x.at, now);
      if (x.at <= now) expiries.delete(qid);
      else soonest = Math.min(soonest, x.at - now);
    }
    this.ticker = soonest === Infinity ? null : setTimeout(() => this.tick(), soonest < 91_000 ? 1000 : 15_000);
  }

  stop(): void {
    if (this.ticker !== null) clearTimeout(this.ticker);
    this.ticker = null;
  }
}

export function inquiryCard(p: InquiryParts, entry: Entry, data: InquiryData): HTMLElement {
  const li = p.base(entry);
  li.append(el("div", "asked", "Approval needed"), el("div", "body", entry.text));
  const who = [...data.users.map((u) => `user ${u}`), ...data.roles.map((r) => `role ${r}`)];
  const facts = el("div", "facts", `may answer: ${who.length ? who.join(", ") : "anyone"}`);
  li.append(facts);
  const id = entry.execution_id;
  const at = data.ttl ? new Date(entry.ts).getTime() + data.ttl * 60_000 : NaN;
  if (!Number.isNaN(at)) {
    const line = el("span", "expiry", timeLeft(at, Date.now()));
    facts.append(" · ", line);
    if (id && at > Date.now()) p.clock.countDown(id, line, at);
  }
  const respond = p.respond;
  if (!id || !respond) return li;
  const form = el("form", "inquiry-form");
  form.noValidate = true;
  const controls: Array<{ f: Field; input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; error: HTMLElement }> = [];
  for (const f of data.fields) {
    const row = el("label", "field");
    const name = el("span", "name", `${f.description ?? f.name}${f.required ? " *" : ""}`);
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (f.type === "boolean" || f.type === "choice") {
      const sel = el("select");
      const options = f.type === "boolean" ? [["", "—"], ["yes", "Yes"], ["no", "No"]] : [["", "—"], ...f.choices.map((c) => [c, c])];
      for (const [value, label] of options) {
        const o = el("option", undefined, label);
        o.value = value;
        sel.append(o);
      }
      input = sel;
    } else if (f.type === "json") {
      input = el("textarea");
    } else {
      const i = el("input");
      i.type = f.type === "string" ? "text" : "number";
      if (f.type === "integer") i.step = "1";
      input = i;
    }
    input.name = f.name;
    if (f.default !== null && f.default !== undefined) {
      input.value = f.type === "boolean" ? (f.default ? "yes" : "no") : typeof f.default === "string" ? f.default : JSON.stringify(f.default);
    }
    const error = el("span", "field-error");
    row.append(name, input, error);
    form.append(row);
    controls.push({ f, input, error });
  }
  const send = el("button", "answer", "Answer");
  send.type = "submit";
  const status = el("div", "control-error");
  status.setAttribute("role", "alert");
  form.append(send, status);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const answer: { [key in string]: JsonValue } = {};
    let bad = false;
    for (const { f, input, error } of controls) {
      const r = readField(f, input.value);
      error.textContent = r.error ?? "";
      if (r.error) bad = true;
      else if (r.value !== undefined) answer[f.name] = r.value;
    }
    status.textContent = "";
    if (bad) return;
    send.disabled = true;
    respond(id, answer).then(
      (entries) => entries.forEach((e) => p.add(e)),
      (e: unknown) => {
        status.textContent = typeof e === "object" && e && "message" in e ? String(e.message) : String(e);
        send.disabled = false;
      },
    );
  });
  li.append(form);
  p.view.card(id).inquiry = li;
  return li;
}

/** An answer (from here or elsewhere) closes the inquiry's card. */
export function closeInquiry(p: InquiryParts, id: string, data: NoteData, text: string): boolean {
  if (!data.kind || !INQUIRY_CLOSERS.has(data.kind)) return false;
  p.view.expiries.get(id)?.line.remove();
  p.view.expiries.delete(id);
  if (p.view.expiries.size === 0) p.clock.stop();
  const li = p.view.of(id)?.inquiry;
  if (!li) return false;
  li.querySelector("form")?.remove();
  li.dataset.closed = data.kind;
  li.append(el("div", "answered", text));
  delete p.view.card(id).inquiry;
  return true;
}
