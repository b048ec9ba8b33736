import {
  controlExecution,
  refreshAliases,
  rerunExecution,
  respondInquiry,
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
import { HelpView } from "./help";
import { Pane } from "./pane";
import { applyTheme, Settings } from "./settings";
import { ShareMenu } from "./share";
import { isIpcError, type ConnectionState, type DeskEvent, type Entry, type Status } from "./types";

/** Focus refreshes the aliases at most this often. */
const ALIAS_FOCUS_MS = 30_000;
/** The help view lists up to this many aliases. */
const HELP_LIMIT = 5000;
/** Suggestions the palette shows at most. */
const SUGGESTIONS = 8;
/** Search results shown at most. */
const FOUND = 100;

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


/** The pane's window: its parts, and what each event and control does. */
class App {
  readonly status: HTMLElement;
  readonly search: HTMLInputElement;
  readonly input: HTMLInputElement;
  readonly welcome: HTMLElement;
  readonly settings: Settings;
  readonly pane: Pane;
  readonly palette: Palette;
  readonly help: HelpView;
  /** An execution to show once history has loaded (notification "Open"). */
  private pendingOpen: string | null = null;
  /** History pages being read now. */
  private loading = 0;
  /**
   * What arrived live while a page was read: the page may have been read
   * before it was written, so it is shown again over the new page.
   */
  private arrivedWhileLoading: DeskEvent[] = [];

  constructor(private doc: Document) {
    this.status = doc.getElementById("status") as HTMLElement;
    this.search = doc.getElementById("search") as HTMLInputElement;
    this.input = doc.getElementById("command") as HTMLInputElement;
    this.welcome = doc.getElementById("welcome") as HTMLElement;
    this.settings = new Settings(doc, (p) => applyTheme(p.theme, doc));
    const share = new ShareMenu(doc, {
      list: listShareTargets,
      share: shareEntry,
      forget: forgetShareTarget,
      openSettings: () => void this.settings.open(),
    });
    this.pane = new Pane(doc.getElementById("pane") as HTMLOListElement, {
      openLink: (url) => void openLink(url).catch((e) => this.showError(e)),
      share: (id, button) => void share.open(id, button),
      // A re-run passes the alias's guards as a first run does: one that
      // asks for confirmation asks here too.
      control: (id, control) =>
        control === "rerun"
          ? this.confirming(`the re-run of ${id}`, (yes) => rerunExecution(id, [], yes))
          : controlExecution(id, control),
      rerunWith: (id, changes) => this.confirming(`the re-run of ${id}`, (yes) => rerunExecution(id, changes, yes)),
      respond: respondInquiry,
    });
    this.help = new HelpView(doc, {
      list: () => suggestAliases("", HELP_LIMIT),
      choose: (text, start, end) => {
        if (text) this.input.value = text;
        this.input.focus();
        this.input.setSelectionRange(start, end);
        if (text) this.input.dispatchEvent(new Event("input"));
      },
    });
    this.palette = new Palette(this.input, doc.getElementById("suggestions") as HTMLUListElement, {
      suggest: (t) => suggestAliases(t, SUGGESTIONS).catch(() => []),
      run: (t) => this.run(t),
      help: () => void this.help.open().catch((e) => this.showError(e)),
      hide: () => void hideWindow().catch(() => {}),
    });
  }

  /**
   * Run a command. One whose alias asks for confirmation
   * (`extra.security.twofactor`) is refused by the desk until confirmed:
   * the webview's own dialog asks, and only a yes runs it.
   */
  async run(text: string, confirmed = false): Promise<void> {
    try {
      (await runCommand(text, confirmed)).forEach((e) => this.pane.add(e));
    } catch (e) {
      if (isIpcError(e) && e.kind === "confirmation_required" && !confirmed) {
        const ok = this.doc.defaultView?.confirm(`${e.message.replace(/; nothing was run$/, "")}.\n\nRun "${text}" now?`) ?? false;
        if (ok) return this.run(text, true);
        this.pane.addRunError(`Not run: "${text}" was not confirmed.`, e.kind);
        return;
      }
      if (isIpcError(e)) this.pane.addRunError(e.message, e.kind);
      else this.showError(e);
    }
  }

  /**
   * A call the desk refuses until a person confirms it (an alias marked
   * `extra.security.twofactor`): the dialog asks, and only a yes sends it
   * again, confirmed. A no leaves it refused.
   */
  async confirming<T>(what: string, send: (confirmed: boolean) => Promise<T>): Promise<T> {
    try {
      return await send(false);
    } catch (e) {
      if (!(isIpcError(e) && e.kind === "confirmation_required")) throw e;
      const ok = this.doc.defaultView?.confirm(`${e.message.replace(/; nothing was run$/, "")}.\n\nRun ${what} now?`) ?? false;
      if (!ok) throw { kind: e.kind, message: `Not run: ${what} was not confirmed.` };
      return send(true);
    }
  }

  showError(e: unknown): void {
    const msg = isIpcError(e) ? e.message : String(e);
    const kind = isIpcError(e) ? e.kind : "error";
    this.pane.add(makeEntry("error", msg, { kind }));
  }

  setStatus(text: string, state: string): void {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }


  /** The pane from history (the newest page), the palette's history too. */
  async loadAll(): Promise<void> {
    this.loading++;
    try {
      const entries: Entry[] = await loadHistory(null, 200);
      this.pane.clear();
      entries.forEach((e) => this.pane.add(e));
      // Entries already in the page are not shown twice (the pane knows
      // their ids); a status or output line is shown again on its card.
      this.arrivedWhileLoading.forEach((ev) => this.showLive(ev));
      this.palette.setHistory(entries.filter((e) => e.kind === "command").map((e) => e.text));
      if (this.pendingOpen && this.pane.focusExecution(this.pendingOpen)) this.pendingOpen = null;
    } catch (e) {
      if (!(isIpcError(e) && ["starting", "not_configured"].includes(e.kind))) this.showError(e);
    } finally {
      if (--this.loading === 0) this.arrivedWhileLoading = [];
    }
  }

  /** What the pane shows of a live entry, output or task event. */
  private showLive(ev: DeskEvent): void {
    if (ev.type === "entry") this.pane.add(ev.entry);
    else if (ev.type === "output") this.pane.addOutput(ev.execution_id, ev.chunks);
    else if (ev.type === "task") this.pane.addTask(ev.workflow_id, ev.execution_id, ev.task, ev.status);
  }

  /** Status line and Settings from the backend's current status. */
  async syncStatus(): Promise<Status> {
    const st = await getStatus();
    // Asked to show a result just as this pane started (its webview had
    // been released): shown once history is loaded, as `open` would have.
    if (st.open && this.pendingOpen === null) this.pendingOpen = st.open;
    this.setStatus(describe(st.connection), st.connection.state);
    this.settings.showLinks(st.relay);
    this.settings.showAnnouncements(st);
    return st;
  }

  /** One backend event. Every kind is handled: a new one fails `tsc` here. */
  onEvent(ev: DeskEvent): void {
    switch (ev.type) {
      case "entry":
      case "output":
      case "task":
        this.showLive(ev);
        if (this.loading > 0) this.arrivedWhileLoading.push(ev);
        if (ev.type === "entry" && !this.doc.hidden && this.doc.hasFocus()) void markRead().catch(() => {});
        break;
      case "connection":
        this.setStatus(describe(ev.state), ev.state.state);
        break;
      case "ready":
        this.welcome.hidden = true;
        this.setStatus(ev.demo ? "ready (demo server)" : `ready (${ev.profile})`, "ready");
        void this.loadAll();
        break;
      case "failed":
        this.showError(ev.error);
        if (ev.error.kind === "history") this.settings.trimFailed(ev.error.message);
        if (ev.error.kind === "no_credentials" || ev.error.kind === "unauthorized") void this.settings.open();
        break;
      case "first_run":
        this.showWelcome(ev.reason);
        break;
      case "open":
        if (!this.pane.focusExecution(ev.execution_id)) this.pendingOpen = ev.execution_id;
        void markRead().catch(() => {});
        break;
      case "summon":
        if (this.settings.isOpen) this.settings.close();
        this.input.focus();
        this.input.select();
        break;
      case "show_settings":
        void this.settings.open();
        break;
      case "relay":
        this.settings.showLinks(ev.links);
        break;
      case "history_trimmed":
        this.settings.showTrimmed(ev.removed, ev.bytes_before, ev.bytes_after);
        break;
      case "missed":
        // Events were dropped on the way here; history has them all.
        void this.loadAll();
        void this.syncStatus().catch(() => {});
        break;
      case "unread":
      case "paused":
        break;
      default:
        unhandled(ev);
    }
  }

  private showWelcome(reason: string | null): void {
    this.setStatus("not configured", "idle");
    this.welcome.hidden = false;
    const why = this.doc.getElementById("welcome-reason") as HTMLElement;
    why.hidden = reason === null;
    why.textContent = reason ?? "";
    (this.doc.getElementById("try-demo") as HTMLButtonElement).focus();
  }

  /** Buttons, keys, search, scrolling back, and reading what is seen. */
  bindControls(): void {
    const doc = this.doc;
    doc.getElementById("try-demo")?.addEventListener("click", async () => {
      this.setStatus("starting the demo…", "connecting");
      try {
        await startDemo();
        this.welcome.hidden = true;
        this.input.focus();
      } catch (e) {
        this.showError(e);
      }
    });
    doc.getElementById("connect")?.addEventListener("click", () => void this.settings.open());
    doc.getElementById("open-settings")?.addEventListener("click", () => void this.settings.open());
    doc.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === ",") {
        e.preventDefault();
        void this.settings.open();
      }
    });
    // Seeing the pane reads what is in it.
    const seen = () => {
      if (!doc.hidden) void markRead().catch(() => {});
    };
    doc.addEventListener("visibilitychange", seen);
    doc.defaultView?.addEventListener("focus", seen);
    // Aliases added on the server since: the palette has them when the
    // window comes back (at most once in ALIAS_FOCUS_MS; the desk also
    // refreshes every few minutes on its own).
    let lastRefresh = Date.now();
    doc.defaultView?.addEventListener("focus", () => {
      if (Date.now() - lastRefresh < ALIAS_FOCUS_MS) return;
      lastRefresh = Date.now();
      void refreshAliases().catch(() => {});
    });
    this.search.addEventListener("input", () => void this.searchHistory());
    this.bindScrollBack(doc.getElementById("pane") as HTMLOListElement);
  }

  private async searchHistory(): Promise<void> {
    const q = this.search.value.trim();
    if (q === "") return this.loadAll();
    try {
      const found = await searchHistory(q, FOUND);
      this.pane.clear();
      found.reverse().forEach((e) => this.pane.add(e));
    } catch (e) {
      this.showError(e);
    }
  }

  /** Scrolling to the top loads the page of history before it. */
  private bindScrollBack(paneEl: HTMLOListElement): void {
    let loadingOlder = false;
    paneEl.addEventListener("scroll", async () => {
      if (paneEl.scrollTop > 40 || loadingOlder || this.search.value.trim() !== "") return;
      const oldest = this.pane.oldestId();
      if (oldest === null) return;
      loadingOlder = true;
      try {
        this.pane.addOlder(await loadHistory(oldest, 100));
      } catch (e) {
        this.showError(e);
      } finally {
        loadingOlder = false;
      }
    });
  }
}

function unhandled(ev: never): void {
  void ev;
}

export async function start(doc: Document = document): Promise<void> {
  const app = new App(doc);
  await onDeskEvent((ev) => app.onEvent(ev));
  app.bindControls();
  try {
    applyTheme((await getPrefs()).theme, doc);
  } catch {
    // Defaults: follow the system.
  }
  // The desk may have become ready before this page listened.
  try {
    const st = await app.syncStatus();
    // Settings… asked for just as this pane started (it had been released):
    // opened, as `show_settings` would have.
    if (st.settings) void app.settings.open();
  } catch (e) {
    if (isIpcError(e) && e.kind === "not_configured") {
      app.setStatus("not configured", "idle");
      app.welcome.hidden = false;
    }
  }
  await app.loadAll();
  if (app.welcome.hidden && !app.settings.isOpen) app.input.focus();
}

if (typeof window !== "undefined" && !(globalThis as { __STORMDESK_TEST__?: boolean }).__STORMDESK_TEST__) {
  void start();
}
