// Settings: profiles (the secret goes to the keyring through the backend
// and is never shown again) and preferences. Keyboard: Ctrl+, opens, Esc
// closes; every control is a plain form element.
import {
  appVersion,
  getPrefs,
  getStatus,
  listProfiles,
  relaySecretsStored,
  removeProfile,
  savePrefs,
  saveProfile,
  setRelaySecret,
  switchProfile,
} from "./ipc";
import {
  isIpcError,
  type AuthKind,
  type ChatUser,
  type LinkState,
  type NotifyLevel,
  type Prefs,
  type ProfileSummary,
  type RelayLinks,
  type Status,
  type Theme,
} from "./types";

export function applyTheme(theme: Theme, doc: Document = document): void {
  if (theme === "system") delete doc.documentElement.dataset.theme;
  else doc.documentElement.dataset.theme = theme;
}

function message(e: unknown): string {
  return isIpcError(e) ? e.message : String(e);
}

/** The relay's secret fields; each is the keyring entry's name. */
/**
 * Chat users as StackStorm users, one a line:
 * `slack:U0123 = ann; approver; roles ops release-managers`.
 */
export function formatChatUsers(users: ChatUser[]): string {
  return users
    .map((u) => {
      const parts = [`${u.chat_user} = ${u.st2_user}`];
      if (u.approver) parts.push("approver");
      if (u.roles.length) parts.push(`roles ${u.roles.join(" ")}`);
      return parts.join("; ");
    })
    .join("\n");
}

/** The lines back; a line that is not one says which and why. */
export function parseChatUsers(text: string): { users: ChatUser[]; error?: string } {
  const users: ChatUser[] = [];
  const lines = text.split("\n").map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (line === "") continue;
    const [who, ...rest] = line.split(";").map((p) => p.trim());
    const eq = who.indexOf("=");
    const chat_user = eq < 0 ? "" : who.slice(0, eq).trim();
    const st2_user = eq < 0 ? "" : who.slice(eq + 1).trim();
    if (!chat_user || !st2_user) {
      return { users, error: `line ${i + 1}: write chat user = StackStorm user, like slack:U0123 = ann` };
    }
    const user: ChatUser = { chat_user, st2_user, roles: [], approver: false };
    for (const part of rest.filter((p) => p !== "")) {
      if (part === "approver") user.approver = true;
      else if (part.startsWith("roles ")) user.roles = part.slice(6).split(/[\s,]+/).filter((r) => r !== "");
      else return { users, error: `line ${i + 1}: "${part}" is neither "approver" nor "roles …"` };
    }
    users.push(user);
  }
  return { users };
}

const RELAY_SECRETS = ["slack-bot-token", "slack-app-token", "teams-app-password", "slack-webhook-url", "teams-webhook-url"];

function linkText(s: LinkState): string {
  switch (s.state) {
    case "off":
      return "off";
    case "connecting":
      return "connecting…";
    case "connected":
      return "connected";
    case "retrying":
      return `reconnecting (${s.reason})`;
    case "listening":
      return `listening on ${s.address}`;
    case "failed":
      return `stopped: ${s.reason}`;
  }
}

/** "Slack: connected · Teams: off", or "Relay off." */
export function describeLinks(links: RelayLinks): string {
  if (links.slack.state === "off" && links.teams.state === "off") return "Relay off.";
  return `Slack: ${linkText(links.slack)} · Teams: ${linkText(links.teams)}`;
}

export class Settings {
  private root: HTMLElement;
  private profileForm: HTMLFormElement;
  private prefsForm: HTMLFormElement;
  private list: HTMLUListElement;
  private relayForm: HTMLFormElement;
  private loaded: Prefs | null = null;
  /** A save here changed the history limits; the trim is under way. */
  private trimming = false;
  private returnFocus: HTMLElement | null = null;

  constructor(
    private doc: Document,
    private onPrefs: (p: Prefs) => void,
  ) {
    this.root = doc.getElementById("settings") as HTMLElement;
    this.profileForm = doc.getElementById("profile-form") as HTMLFormElement;
    this.prefsForm = doc.getElementById("prefs-form") as HTMLFormElement;
    this.list = doc.getElementById("profiles") as HTMLUListElement;
    this.relayForm = doc.getElementById("relay-form") as HTMLFormElement;
    this.relayForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submitRelay();
    });
    doc.getElementById("close-settings")?.addEventListener("click", () => this.close());
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    this.profileForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submitProfile();
    });
    this.prefsForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submitPrefs();
    });
  }

  /** The relay's links as they are now (events keep it current). */
  showLinks(links: RelayLinks): void {
    const p = this.doc.getElementById("relay-links") as HTMLElement | null;
    if (!p) return;
    p.textContent = describeLinks(links);
    p.dataset.slack = links.slack.state;
    p.dataset.teams = links.teams.state;
  }

  /** Whether the server announces results on our route (the stormdesk pack). */
  showAnnouncements(
    st: (Pick<Status, "stream_route" | "announcing_rule"> & Partial<Pick<Status, "transport_warning">>) | null,
  ): void {
    const warning = this.doc.getElementById("transport-warning") as HTMLElement | null;
    if (warning) {
      warning.textContent = st?.transport_warning ?? "";
      warning.hidden = !st?.transport_warning;
    }
    const p = this.doc.getElementById("announcements") as HTMLElement | null;
    if (!p) return;
    if (!st) {
      p.textContent = "";
      return;
    }
    p.textContent = st.announcing_rule
      ? `Results on route "${st.stream_route}" are announced by StackStorm (rule ${st.announcing_rule}).`
      : `StackStorm announces nothing on route "${st.stream_route}": Stormdesk formats results itself. ` +
        "For results exactly as chat shows them, a StackStorm admin can install the stormdesk pack.";
    p.dataset.announced = st.announcing_rule ? "yes" : "no";
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  async open(): Promise<void> {
    this.returnFocus = this.doc.activeElement as HTMLElement | null;
    this.root.hidden = false;
    (this.profileForm.elements.namedItem("base_url") as HTMLInputElement).focus();
    await Promise.all([
      this.loadProfiles(),
      this.loadPrefs(),
      getStatus().then((st) => this.showAnnouncements(st), () => {}),
      appVersion().then((v) => this.showAbout(v), () => this.showAbout(null)),
    ]);
  }

  /** "Stormdesk 0.1.0": the version a bug report should name. */
  showAbout(version: string | null): void {
    const p = this.doc.getElementById("about") as HTMLElement | null;
    if (p) p.textContent = version ? `Stormdesk ${version}` : "Stormdesk";
  }

  close(): void {
    this.root.hidden = true;
    this.returnFocus?.focus();
  }

  private field(form: HTMLFormElement, name: string): HTMLInputElement & HTMLSelectElement {
    return form.elements.namedItem(name) as HTMLInputElement & HTMLSelectElement;
  }

  /** History retention ran; said under the form only after a save here changed the limits. */
  showTrimmed(removed: number, bytesBefore: number, bytesAfter: number): void {
    if (!this.trimming) return;
    this.trimming = false;
    const mb = (b: number) => `${(b / (1024 * 1024)).toFixed(1)} MB`;
    const n = removed;
    this.say(
      "prefs-msg",
      n === 0
        ? "Saved. History is within the new limits."
        : `Saved. ${n.toLocaleString("en")} older ${n === 1 ? "entry" : "entries"} removed from history (${mb(bytesBefore)} → ${mb(bytesAfter)}).`,
      "ok",
    );
  }

  /** Applying the history limits failed (the settings themselves are saved). */
  trimFailed(why: string): void {
    if (!this.trimming) return;
    this.trimming = false;
    this.say("prefs-msg", `Saved, but the history limits could not be applied: ${why}`, "error");
  }

  private say(id: string, text: string, kind: "ok" | "error" | "busy"): void {
    const p = this.doc.getElementById(id) as HTMLElement;
    p.textContent = text;
    p.dataset.kind = kind;
  }

  async loadProfiles(): Promise<void> {
    let profiles: ProfileSummary[] = [];
    try {
      profiles = await listProfiles();
    } catch (e) {
      this.say("profile-msg", message(e), "error");
    }
    const items = profiles.map((p) => {
      const li = this.doc.createElement("li");
      const label = this.doc.createElement("span");
      label.textContent = `${p.name} — ${p.base_url ?? "no URL"} (${p.auth.replace("_", " ")}${p.has_secret ? ", in keyring" : ", no secret stored"})`;
      if (p.current) label.className = "current";
      const edit = this.doc.createElement("button");
      edit.type = "button";
      edit.textContent = "Edit";
      edit.setAttribute("aria-label", `Edit profile ${p.name}`);
      edit.addEventListener("click", () => this.fill(p));
      li.append(label, edit);
      if (!p.current) {
        const use = this.doc.createElement("button");
        use.type = "button";
        use.textContent = "Use";
        use.setAttribute("aria-label", `Switch to profile ${p.name}`);
        use.addEventListener("click", () => void this.use(p.name));
        li.append(use, this.removeButton(p.name));
      }
      return li;
    });
    this.list.replaceChildren(...items);
    const current = profiles.find((p) => p.current);
    if (current) this.fill(current);
  }

  /** "Remove", then "Remove name? Click again" (leaving it disarms). */
  private removeButton(name: string): HTMLButtonElement {
    const b = this.doc.createElement("button");
    b.type = "button";
    b.className = "remove";
    const disarm = () => {
      delete b.dataset.armed;
      b.textContent = "Remove";
      b.setAttribute("aria-label", `Remove profile ${name}`);
    };
    disarm();
    b.addEventListener("blur", disarm);
    b.addEventListener("click", async () => {
      if (b.dataset.armed === undefined) {
        b.dataset.armed = "";
        b.textContent = `Remove ${name} and its secret? Click again`;
        b.setAttribute("aria-label", b.textContent);
        return;
      }
      try {
        await removeProfile(name);
        await this.loadProfiles();
        this.say("profile-msg", `Removed ${name} (and its secret in the keyring).`, "ok");
      } catch (e) {
        disarm();
        this.say("profile-msg", message(e), "error");
      }
    });
    return b;
  }

  private fill(p: ProfileSummary): void {
    const f = this.profileForm;
    this.field(f, "name").value = p.name;
    this.field(f, "base_url").value = p.base_url ?? "";
    this.field(f, "auth").value = p.auth;
    this.field(f, "username").value = p.username ?? "";
    this.field(f, "stream_route").value = p.stream_route;
    this.field(f, "secret").value = "";
    this.field(f, "secret").placeholder = p.has_secret ? "stored in your keyring (leave empty to keep it)" : "kept in your OS keyring";
  }

  private async use(name: string): Promise<void> {
    this.say("profile-msg", `Connecting to ${name}…`, "busy");
    try {
      this.showAnnouncements(await switchProfile(name));
      this.say("profile-msg", `Connected to ${name}.`, "ok");
      await this.loadProfiles();
    } catch (e) {
      this.say("profile-msg", message(e), "error");
    }
  }

  async submitProfile(): Promise<void> {
    const f = this.profileForm;
    const secretInput = this.field(f, "secret");
    const text = (n: string) => this.field(f, n).value.trim();
    const form = {
      name: text("name"),
      base_url: text("base_url"),
      auth: this.field(f, "auth").value as AuthKind,
      username: text("username") || null,
      secret: secretInput.value === "" ? null : secretInput.value,
      stream_route: text("stream_route") || null,
      insecure: this.field(f, "insecure").checked,
    };
    // The secret leaves the page now; it is never put back.
    secretInput.value = "";
    this.say("profile-msg", `Connecting to ${form.base_url}…`, "busy");
    try {
      const saved = await saveProfile(form);
      this.say("profile-msg", `Saved "${saved.name}"; the secret is in your keyring. Connected.`, "ok");
      await Promise.all([
        this.loadProfiles(),
        // The new profile's server: does it announce on our route?
        getStatus().then((st) => this.showAnnouncements(st), () => {}),
      ]);
    } catch (e) {
      this.say("profile-msg", message(e), "error");
    }
  }

  async loadPrefs(): Promise<Prefs | null> {
    try {
      const p = await getPrefs();
      this.loaded = p;
      this.fillRelay(p);
      const f = this.prefsForm;
      this.field(f, "shortcut").value = p.shortcut;
      this.field(f, "theme").value = p.theme;
      this.field(f, "notify_results").value = p.notify_results;
      this.field(f, "notify_announcements").checked = p.notify_announcements;
      this.field(f, "all_inquiries").checked = p.all_inquiries;
      this.field(f, "start_at_login").checked = p.start_at_login;
      this.field(f, "history_days").value = String(p.history_days);
      this.field(f, "history_mb").value = String(p.history_mb);
      return p;
    } catch (e) {
      this.say("prefs-msg", message(e), "error");
      return null;
    }
  }

  async submitPrefs(): Promise<void> {
    const f = this.prefsForm;
    if (!this.loaded) this.loaded = await this.loadPrefs();
    if (!this.loaded) return;
    const prefs: Prefs = {
      ...this.loaded,
      shortcut: this.field(f, "shortcut").value.trim(),
      theme: this.field(f, "theme").value as Theme,
      notify_results: this.field(f, "notify_results").value as NotifyLevel,
      notify_announcements: this.field(f, "notify_announcements").checked,
      all_inquiries: this.field(f, "all_inquiries").checked,
      start_at_login: this.field(f, "start_at_login").checked,
      history_days: wholeNumber(this.field(f, "history_days").value, this.loaded.history_days),
      history_mb: wholeNumber(this.field(f, "history_mb").value, this.loaded.history_mb),
    };
    const retention = prefs.history_days !== this.loaded.history_days || prefs.history_mb !== this.loaded.history_mb;
    try {
      const saved = await savePrefs(prefs);
      this.loaded = saved;
      this.onPrefs(saved);
      // The backend trims history in the background and says when it is done.
      this.trimming = retention;
      this.say("prefs-msg", retention ? "Saved. Applying the history limits…" : "Saved.", retention ? "busy" : "ok");
    } catch (e) {
      this.say("prefs-msg", message(e), "error");
    }
  }

  private fillRelay(p: Prefs): void {
    const f = this.relayForm;
    const r = p.relay;
    this.field(f, "slack").checked = r.slack;
    this.field(f, "teams").checked = r.teams;
    this.field(f, "teams_app_id").value = r.teams_app_id ?? "";
    this.field(f, "teams_listen").value = r.teams_listen;
    this.field(f, "prefix").value = r.prefix;
    (f.elements.namedItem("webhook_results") as HTMLSelectElement).value = r.webhook_results;
    (f.elements.namedItem("allowed_users") as HTMLTextAreaElement).value = r.allowed_users.join("\n");
    (f.elements.namedItem("chat_users") as HTMLTextAreaElement).value = formatChatUsers(r.chat_users);
    void relaySecretsStored().then(
      (names) => {
        const p = this.doc.getElementById("relay-stored") as HTMLElement;
        p.textContent = names.length ? `In your keyring: ${names.join(", ")}` : "No relay secrets stored yet.";
      },
      () => {},
    );
  }

  /** Secrets to the keyring (each once, then cleared), the rest to settings. */
  async submitRelay(): Promise<void> {
    if (!this.loaded) this.loaded = await this.loadPrefs();
    if (!this.loaded) return;
    const f = this.relayForm;
    const mapped = parseChatUsers((f.elements.namedItem("chat_users") as HTMLTextAreaElement).value);
    if (mapped.error) {
      this.say("relay-msg", mapped.error, "error");
      return;
    }
    try {
      for (const name of RELAY_SECRETS) {
        const input = this.field(f, name);
        const value = input.value;
        input.value = "";
        if (value !== "") await setRelaySecret(name, value);
      }
      const allowed = (f.elements.namedItem("allowed_users") as HTMLTextAreaElement).value
        .split("\n")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const relay = {
        ...this.loaded.relay,
        slack: this.field(f, "slack").checked,
        teams: this.field(f, "teams").checked,
        teams_app_id: this.field(f, "teams_app_id").value.trim() || null,
        teams_listen: this.field(f, "teams_listen").value.trim() || "127.0.0.1:3978",
        prefix: this.field(f, "prefix").value.trim() || "!st2",
        allowed_users: allowed,
        chat_users: mapped.users,
        webhook_results: (f.elements.namedItem("webhook_results") as HTMLSelectElement).value as NotifyLevel,
      };
      const saved = await savePrefs({ ...this.loaded, relay });
      this.loaded = saved;
      this.fillRelay(saved);
      this.say("relay-msg", allowed.length === 0 ? "Saved. Nobody is allowed to run commands yet: add your own chat user id." : "Saved.", "ok");
    } catch (e) {
      this.say("relay-msg", message(e), "error");
    }
  }
}

/** A whole, non-negative number from a number field; what was there when it is not one. */
function wholeNumber(text: string, fallback: number): number {
  const n = Number(text.trim());
  return text.trim() !== "" && Number.isInteger(n) && n >= 0 ? n : fallback;
}
