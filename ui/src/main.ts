import {
  getPrefs,
  hideWindow,
  getStatus,
  loadHistory,
  markRead,
  onDeskEvent,
  listShareTargets,
  openLink,
  runCommand,
  searchHistory,
  shareEntry,
  forgetShareTarget,
  startDemo,
  suggestAliases,
} from "./ipc";
import { makeEntry } from "./entries";
import { Palette } from "./palette";
import { Pane } from "./pane";
import { applyTheme, Settings } from "./settings";
import { ShareMenu } from "./share";
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
  const status = doc.getElementById("status") as HTMLElement;
  const search = doc.getElementById("search") as HTMLInputElement;
  const input = doc.getElementById("command") as HTMLInputElement;
  const welcome = doc.getElementById("welcome") as HTMLElement;

  const showError = (e: unknown) => {
    const msg = isIpcError(e) ? e.message : String(e);
    const kind = isIpcError(e) ? e.kind : "error";
    pane.add(makeEntry("error", msg, { kind }));
  };
  const settings = new Settings(doc, (p) => applyTheme(p.theme, doc));
  const share = new ShareMenu(doc, {
    list: listShareTargets,
    share: shareEntry,
    forget: forgetShareTarget,
    openSettings: () => void settings.open(),
  });
  const pane = new Pane(doc.getElementById("pane") as HTMLOListElement, {
    openLink: (url) => void openLink(url).catch(showError),
    share: (id, button) => void share.open(id, button),
  });
  let pendingOpen: string | null = null;

  const palette = new Palette(input, doc.getElementById("suggestions") as HTMLUListElement, {
    suggest: (t) => suggestAliases(t).catch(() => []),
    run: (t) =>
      runCommand(t).then(
        (entries) => entries.forEach((e) => pane.add(e)),
        (e) => (isIpcError(e) ? pane.addRunError(e.message, e.kind) : showError(e)),
      ),
    help: () =>
      suggestAliases("", 50).then((all) => {
        const byPack = new Map<string, string[]>();
        for (const s of all) byPack.set(s.pack, [...(byPack.get(s.pack) ?? []), s.display]);
        const text = [...byPack.entries()].sort().map(([p, ds]) => `${p}:\n  ${ds.join("\n  ")}`).join("\n");
        pane.add(makeEntry("note", text));
      }, showError),
    hide: () => void hideWindow().catch(() => {}),
  });

  const loadAll = async () => {
    try {
      const entries: Entry[] = await loadHistory(null, 200);
      pane.clear();
      entries.forEach((e) => pane.add(e));
      palette.setHistory(entries.filter((e) => e.kind === "command").map((e) => e.text));
      if (pendingOpen && pane.focusExecution(pendingOpen)) pendingOpen = null;
    } catch (e) {
      if (!(isIpcError(e) && ["starting", "not_configured"].includes(e.kind))) showError(e);
    }
  };

  // Scrolling to the top loads the page of history before it.
  const paneEl = doc.getElementById("pane") as HTMLOListElement;
  let loadingOlder = false;
  paneEl.addEventListener("scroll", async () => {
    if (paneEl.scrollTop > 40 || loadingOlder || search.value.trim() !== "") return;
    const oldest = pane.oldestId();
    if (oldest === null) return;
    loadingOlder = true;
    try {
      pane.addOlder(await loadHistory(oldest, 100));
    } catch (e) {
      showError(e);
    } finally {
      loadingOlder = false;
    }
  });

  const setStatus = (text: string, state: string) => {
    status.textContent = text;
    status.dataset.state = state;
  };

  await onDeskEvent((ev) => {
    switch (ev.type) {
      case "entry":
        pane.add(ev.entry);
        if (!doc.hidden && doc.hasFocus()) void markRead().catch(() => {});
        break;
      case "connection":
        setStatus(describe(ev.state), ev.state.state);
        break;
      case "ready":
        welcome.hidden = true;
        setStatus(ev.demo ? "ready (demo server)" : `ready (${ev.profile})`, "ready");
        void loadAll();
        break;
      case "failed":
        showError(ev.error);
        if (ev.error.kind === "no_credentials" || ev.error.kind === "unauthorized") void settings.open();
        break;
      case "first_run": {
        setStatus("not configured", "idle");
        welcome.hidden = false;
        const reason = doc.getElementById("welcome-reason") as HTMLElement;
        reason.hidden = ev.reason === null;
        reason.textContent = ev.reason ?? "";
        (doc.getElementById("try-demo") as HTMLButtonElement).focus();
        break;
      }
      case "open":
        if (!pane.focusExecution(ev.execution_id)) pendingOpen = ev.execution_id;
        void markRead().catch(() => {});
        break;
      case "summon":
        if (settings.isOpen) settings.close();
        input.focus();
        input.select();
        break;
      case "show_settings":
        void settings.open();
        break;
      case "relay":
        settings.showLinks(ev.links);
        break;
      case "missed":
        // Events were dropped on the way here; history has them all.
        void loadAll();
        void getStatus().then((st) => {
          setStatus(describe(st.connection), st.connection.state);
          settings.showLinks(st.relay);
          settings.showAnnouncements(st);
        }, () => {});
        break;
      case "unread":
      case "paused":
        break;
    }
  });

  doc.getElementById("try-demo")?.addEventListener("click", async () => {
    setStatus("starting the demo…", "connecting");
    try {
      await startDemo();
      welcome.hidden = true;
      input.focus();
    } catch (e) {
      showError(e);
    }
  });
  doc.getElementById("connect")?.addEventListener("click", () => void settings.open());
  doc.getElementById("open-settings")?.addEventListener("click", () => void settings.open());
  doc.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === ",") {
      e.preventDefault();
      void settings.open();
    }
  });
  // Seeing the pane reads what is in it.
  const seen = () => {
    if (!doc.hidden) void markRead().catch(() => {});
  };
  doc.addEventListener("visibilitychange", seen);
  doc.defaultView?.addEventListener("focus", seen);

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

  try {
    applyTheme((await getPrefs()).theme, doc);
  } catch {
    // Defaults: follow the system.
  }
  // The desk may have become ready before this page listened.
  try {
    const st = await getStatus();
    setStatus(describe(st.connection), st.connection.state);
    settings.showLinks(st.relay);
    settings.showAnnouncements(st);
  } catch (e) {
    if (isIpcError(e) && e.kind === "not_configured") {
      setStatus("not configured", "idle");
      welcome.hidden = false;
    }
  }
  await loadAll();
  if (welcome.hidden) input.focus();
}

if (typeof window !== "undefined" && !(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__) {
  void start();
}
