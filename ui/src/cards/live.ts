// A running execution on its ack card: what it prints, as it prints it (the
// latest LIVE_MAX characters), and a workflow's tasks, one row each.
import type { OutputText } from "../types";
import { el } from "./dom";
import type { View } from "./view";

/** The most live output a card keeps (its latest); the result has it all. */
export const LIVE_MAX = 64 * 1024;

/** Statuses an execution does not leave. */
export const FINAL = new Set(["succeeded", "failed", "timeout", "abandoned", "canceled"]);

/**
 * What a running execution printed, appended to its ack card as text
 * (stderr marked), the latest LIVE_MAX characters kept. Nothing when its
 * card is not shown or it already ended: the result has it all.
 */
export function appendOutput(view: View, root: HTMLElement, executionId: string, chunks: OutputText[]): void {
  const badge = view.of(executionId)?.status;
  if (!badge || FINAL.has(badge.dataset.status ?? "") || (view.of(executionId)?.result !== undefined)) return;
  // A pane read at its end stays at its end as the output grows.
  const atEnd = root.scrollTop + root.clientHeight >= root.scrollHeight - 40;
  let live = view.of(executionId)?.live;
  if (!live) {
    const pre = el("pre", "live-output");
    pre.setAttribute("aria-label", "output so far");
    pre.tabIndex = 0;
    (badge.closest("li") as HTMLElement).append(pre);
    live = { pre, size: 0 };
    view.card(executionId).live = live;
  }
  const { pre } = live;
  const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  for (const c of chunks) {
    const span = el("span", c.stream === "stderr" ? "stderr" : "stdout", c.text);
    pre.append(span);
    live.size += c.text.length;
  }
  // Bounded: drop the oldest text, and say so once.
  while (live.size > LIVE_MAX) {
    const first = pre.querySelector("span:not(.dropped)");
    if (!first) break;
    const text = first.textContent ?? "";
    const over = live.size - LIVE_MAX;
    if (text.length <= over) {
      first.remove();
      live.size -= text.length;
    } else {
      first.textContent = text.slice(over);
      live.size -= over;
    }
  }
  if (live.size >= LIVE_MAX && !pre.querySelector(".dropped")) pre.prepend(el("span", "dropped", "… earlier output not shown\n"));
  if (follow) pre.scrollTop = pre.scrollHeight;
  if (atEnd) root.scrollTop = root.scrollHeight;
}

/** A workflow's task started, moved on or ended: one row per task on its card. */
export function showTask(view: View, workflowId: string, taskExecution: string, task: string, status: string): void {
  const badge = view.of(workflowId)?.status;
  if (!badge) return;
  let tasks = view.of(workflowId)?.tasks;
  if (!tasks) {
    const list = el("ol", "tasks");
    list.setAttribute("aria-label", "tasks");
    const card = badge.closest("li") as HTMLElement;
    const live = view.of(workflowId)?.live?.pre;
    if (live) live.before(list);
    else card.append(list);
    tasks = { list, rows: new Map() };
    view.card(workflowId).tasks = tasks;
  }
  let row = tasks.rows.get(taskExecution);
  if (!row) {
    row = el("li", "task");
    row.dataset.execution = taskExecution;
    row.append(el("span", "name", task), el("span", "badge"));
    tasks.list.append(row);
    tasks.rows.set(taskExecution, row);
  }
  const b = row.querySelector(".badge") as HTMLElement;
  b.textContent = status;
  b.dataset.status = status;
  row.dataset.status = status;
}
