import { getStatus, loadHistory, onDeskEvent, runCommand, searchHistory, suggestAliases } from "./ipc";
import { Palette } from "./palette";
import { Pane } from "./pane";
import { isIpcError, type ConnectionState, type Entry } from "./types";

function describe(s: ConnectionState): string {
  switch (s.state) {
    case "live":
      return "live";
    case "connecting":
      return "connecting…";
    case "backing_off":
      return `reconnecting in ${Math.ceil(s.retry_in_ms / 1000)} s (${s.reason})`;
    case "auth_failed":
      return `sign-in failed: ${s.message}`;
    case "stopped":
      return "stopped";
  }
}

export async function start(doc: Document = document): Promise<void> {
  const pane = new Pane(doc.getElementById("pane") as HTMLOListElement);
  const status = doc.getElementById("status") as HTMLElement;
  const search = doc.getElementById("search") as HTMLInputElement;
  const input = doc.getElementById("command") as HTMLInputElement;

  const showError = (e: unknown) => {
    const msg = isIpcError(e) ? e.message : String(e);
    const kind = isIpcError(e) ? e.kind : "error";
    pane.add({ id: -1, ts: new Date().toISOString(), profile: "", kind: "error", execution_id: null, text: msg, data: { kind } });
  };

  const palette = new Palette(input, doc.getElementById("suggestions") as HTMLUListElement, {
    suggest: (t) => suggestAliases(t).catch(() => []),
    run: (t) => runCommand(t).then((entries) => entries.forEach((e) => pane.add(e)), showError),
    help: () =>
      suggestAliases("", 50).then((all) => {
        const byPack = new Map<string, string[]>();
        for (const s of all) byPack.set(s.pack, [...(byPack.get(s.pack) ?? []), s.display]);
        const text = [...byPack.entries()].sort().map(([p, ds]) => `${p}:\n  ${ds.join("\n  ")}`).join("\n");
        pane.add({ id: -1, ts: new Date().toISOString(), profile: "", kind: "note", execution_id: null, text, data: null });
      }, showError),
  });

  const loadAll = async () => {
    try {
      const entries: Entry[] = await loadHistory(null, 200);
      pane.clear();
      entries.forEach((e) => pane.add(e));
      palette.setHistory(entries.filter((e) => e.kind === "command").map((e) => e.text));
    } catch (e) {
      if (!(isIpcError(e) && e.kind === "starting")) showError(e);
    }
  };

  await onDeskEvent((ev) => {
    switch (ev.type) {
      case "entry":
        pane.add(ev.entry);
        break;
      case "connection":
        status.textContent = describe(ev.state);
        status.dataset.state = ev.state.state;
        break;
      case "ready":
        status.textContent = `ready (${ev.profile})`;
        void loadAll();
        break;
      case "failed":
        status.textContent = "not connected";
        showError(ev.error);
        break;
    }
  });

  search.addEventListener("input", async () => {
    const q = search.value.trim();
    if (q === "") return loadAll();
    try {
      const found = await searchHistory(q);
      pane.clear();
      found.reverse().forEach((e) => pane.add(e));
    } catch (e) {
      showError(e);
    }
  });

  // The desk may have become ready before this page listened.
  try {
    const st = await getStatus();
    status.textContent = describe(st.connection);
    status.dataset.state = st.connection.state;
  } catch {
    // Still starting: the "ready" event will follow.
  }
  await loadAll();
  input.focus();
}

if (typeof window !== "undefined" && !(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__) {
  void start();
}
