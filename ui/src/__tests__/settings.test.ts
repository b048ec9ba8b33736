import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { applyTheme, Settings } from "../settings";
import type { Prefs, ProfileSummary } from "../types";

import { body } from "./markup";

const relay: Prefs["relay"] = { prefix: "!st2", allowed_users: [], chat_users: [], slack: false, slack_api: null, teams: false, teams_app_id: null, teams_listen: "127.0.0.1:3978", teams_token_url: null, teams_metadata_url: null, webhook_results: "none" };
const prefs: Prefs = { shortcut: "CmdOrCtrl+Shift+Space", theme: "system", notify_results: "all", notify_announcements: true, start_at_login: false, history_days: 90, history_mb: 200, all_inquiries: false, relay };
const work: ProfileSummary = { name: "work", base_url: "https://st2.example", auth: "password", username: "ann", stream_route: "stormdesk", has_secret: true, current: true };

describe("settings", () => {
  beforeEach(() => { document.body.innerHTML = body; delete document.documentElement.dataset.theme; });
  afterEach(() => clearMocks());

  it("sends the secret once, clears it, and shows the backend's error by message", async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    let fail = true;
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === "list_profiles") return [work];
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "get_prefs") return prefs;
      if (cmd === "save_profile") {
        if (fail) throw { kind: "unauthorized", message: "StackStorm refused the credentials" };
        return { ...work, name: "lab" };
      }
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    expect(s.isOpen).toBe(true);
    const form = document.getElementById("profile-form") as HTMLFormElement;
    const f = (n: string) => form.elements.namedItem(n) as HTMLInputElement;
    // The current profile fills the form; the secret is never shown.
    expect(f("base_url").value).toBe("https://st2.example");
    expect(f("secret").value).toBe("");
    expect(f("secret").placeholder).toContain("stored in your keyring");
    expect(document.getElementById("profiles")!.textContent).toContain("in keyring");

    f("name").value = "lab";
    f("secret").value = "hunter2";
    await s.submitProfile();
    const sent = calls.find((c) => c.cmd === "save_profile")!.args.form as Record<string, unknown>;
    expect(sent).toMatchObject({ name: "lab", base_url: "https://st2.example", auth: "password", username: "ann", secret: "hunter2", insecure: false });
    expect(f("secret").value).toBe("");
    const msg = document.getElementById("profile-msg")!;
    expect(msg.textContent).toBe("StackStorm refused the credentials");
    expect(msg.dataset.kind).toBe("error");
    expect(document.body.innerHTML).not.toContain("hunter2");

    fail = false;
    await s.submitProfile();
    const second = calls.filter((c) => c.cmd === "save_profile")[1].args.form as Record<string, unknown>;
    expect(second.secret).toBeNull(); // empty: keep the keyring's
    expect(msg.textContent).toContain('Saved "lab"');

    // Esc closes.
    document.getElementById("settings")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(s.isOpen).toBe(false);
  });

  it("names the running version in the About line, from Tauri's app version", async () => {
    let version: string | null = "0.1.0";
    mockIPC((cmd) => {
      if (cmd === "plugin:app|version") {
        if (version === null) throw "not allowed";
        return version;
      }
      if (cmd === "get_prefs") return prefs;
      if (cmd === "list_profiles") return [];
      if (cmd === "relay_secrets_stored") return [];
      return null;
    });
    const s = new Settings(document, () => {});
    const about = document.getElementById("about")!;
    expect(about.textContent).toBe("");
    await s.open();
    expect(about.textContent).toBe("Stormdesk 0.1.0");
    // A refused call still names the app, never an error in the About line.
    version = null;
    s.close();
    await s.open();
    expect(about.textContent).toBe("Stormdesk");
  });

  it("saves preferences, applies the theme, and shows a refused shortcut", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "get_prefs") return prefs;
      if (cmd === "list_profiles") return [];
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "save_prefs") {
        const p = (args as { prefs: Prefs }).prefs;
        if (p.shortcut === "Space") throw { kind: "input", message: '"Space" is not a shortcut' };
        return p;
      }
      return null;
    });
    let applied: Prefs | null = null;
    const s = new Settings(document, (p) => { applied = p; applyTheme(p.theme); });
    await s.open();
    const form = document.getElementById("prefs-form") as HTMLFormElement;
    (form.elements.namedItem("theme") as HTMLSelectElement).value = "dark";
    (form.elements.namedItem("notify_results") as HTMLSelectElement).value = "failures";
    expect((form.elements.namedItem("history_days") as HTMLInputElement).value).toBe("90");
    (form.elements.namedItem("history_mb") as HTMLInputElement).value = "50";
    (form.elements.namedItem("history_days") as HTMLInputElement).value = "soon";
    await s.submitPrefs();
    // A field that is not a whole number keeps what was saved.
    expect(applied).toMatchObject({ theme: "dark", notify_results: "failures", history_mb: 50, history_days: 90 });
    expect(document.documentElement.dataset.theme).toBe("dark");
    (form.elements.namedItem("shortcut") as HTMLInputElement).value = "Space";
    await s.submitPrefs();
    expect(document.getElementById("prefs-msg")!.textContent).toContain("not a shortcut");
    applyTheme("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it("changed history limits: the save returns at once, then says what the background trim removed, or why it failed", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "get_prefs") return prefs;
      if (cmd === "list_profiles") return [];
      if (cmd === "save_prefs") return (args as { prefs: Prefs }).prefs;
      if (cmd === "relay_secrets_stored") return [];
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const form = document.getElementById("prefs-form") as HTMLFormElement;
    const msg = document.getElementById("prefs-msg")!;
    // Not after a save that left the limits alone (the daily run says nothing here).
    await s.submitPrefs();
    expect(msg.textContent).toBe("Saved.");
    s.showTrimmed(5, 1, 1);
    expect(msg.textContent).toBe("Saved.");
    (form.elements.namedItem("history_mb") as HTMLInputElement).value = "20";
    await s.submitPrefs();
    expect(msg.textContent).toBe("Saved. Applying the history limits…");
    expect(msg.dataset.kind).toBe("busy");
    s.showTrimmed(6123, 31 * 1024 * 1024, 19.5 * 1024 * 1024);
    expect(msg.textContent).toBe("Saved. 6,123 older entries removed from history (31.0 MB → 19.5 MB).");
    expect(msg.dataset.kind).toBe("ok");
    (form.elements.namedItem("history_days") as HTMLInputElement).value = "30";
    await s.submitPrefs();
    s.trimFailed("the history database is locked");
    expect(msg.textContent).toBe("Saved, but the history limits could not be applied: the history database is locked");
    expect(msg.dataset.kind).toBe("error");
  });

  it("relay: secrets go to the keyring once and are cleared, the rest is saved; other prefs are kept", async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === "get_prefs") return { ...prefs, theme: "dark" };
      if (cmd === "list_profiles") return [];
      if (cmd === "relay_secrets_stored") return calls.some((c) => c.cmd === "set_relay_secret") ? ["slack-bot-token"] : [];
      if (cmd === "set_relay_secret") return true;
      if (cmd === "save_prefs") return (args as { prefs: Prefs }).prefs;
      if (cmd === "relay_secrets_stored") return [];
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const f = document.getElementById("relay-form") as HTMLFormElement;
    const input = (n: string) => f.elements.namedItem(n) as HTMLInputElement;
    input("slack").checked = true;
    input("slack-bot-token").value = "xoxb-secret";
    input("slack-webhook-url").value = "https://hooks.slack.com/services/T/B/hooksecret";
    (f.elements.namedItem("webhook_results") as HTMLSelectElement).value = "failures";
    (f.elements.namedItem("allowed_users") as HTMLTextAreaElement).value = "slack:U110FGZSQ\n\n  teams:29:abc ";
    await s.submitRelay();
    const secret = calls.filter((c) => c.cmd === "set_relay_secret");
    expect(secret.map((c) => c.args)).toEqual([
      { name: "slack-bot-token", secret: "xoxb-secret" },
      { name: "slack-webhook-url", secret: "https://hooks.slack.com/services/T/B/hooksecret" },
    ]);
    expect(input("slack-bot-token").value).toBe("");
    expect(input("slack-webhook-url").value).toBe("");
    const saved = calls.filter((c) => c.cmd === "save_prefs").pop()!.args.prefs as Prefs;
    expect(saved.theme).toBe("dark");
    expect(saved.relay).toMatchObject({ slack: true, allowed_users: ["slack:U110FGZSQ", "teams:29:abc"], prefix: "!st2", webhook_results: "failures" });
    expect(JSON.stringify(saved)).not.toContain("xoxb");
    expect(JSON.stringify(saved)).not.toContain("hooksecret");
    expect(document.body.innerHTML).not.toContain("hooksecret");
    expect(document.body.innerHTML).not.toContain("xoxb-secret");
    await new Promise((r) => setTimeout(r, 10));
    expect(document.getElementById("relay-stored")!.textContent).toContain("slack-bot-token");
  });
  it("relay: chat users map to StackStorm users, one a line, read back as written; a bad line saves nothing", async () => {
    const saves: Prefs[] = [];
    const mapped = [
      { chat_user: "slack:UANN", st2_user: "ann", roles: ["release-managers", "ops"], approver: true },
      { chat_user: "teams:29:bob", st2_user: "bob", roles: [], approver: false },
    ];
    mockIPC((cmd, args) => {
      if (cmd === "get_prefs") return { ...prefs, relay: { ...relay, chat_users: mapped } };
      if (cmd === "list_profiles") return [];
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "save_prefs") {
        saves.push((args as { prefs: Prefs }).prefs);
        return (args as { prefs: Prefs }).prefs;
      }
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const f = document.getElementById("relay-form") as HTMLFormElement;
    const area = f.elements.namedItem("chat_users") as HTMLTextAreaElement;
    expect(area.value).toBe("slack:UANN = ann; approver; roles release-managers ops\nteams:29:bob = bob");
    area.value = "slack:UANN = ann; approver; roles release-managers ops\n\nteams:29:bob = bob\nslack:UCAL = cal; roles ops, dba";
    await s.submitRelay();
    expect(saves.pop()!.relay.chat_users).toEqual([...mapped, { chat_user: "slack:UCAL", st2_user: "cal", roles: ["ops", "dba"], approver: false }]);
    area.value = "slack:UDAN dan";
    await s.submitRelay();
    expect(saves).toHaveLength(0);
    expect(document.getElementById("relay-msg")!.textContent).toBe("line 1: write chat user = StackStorm user, like slack:U0123 = ann");
    area.value = "slack:UDAN = dan; boss";
    await s.submitRelay();
    expect(saves).toHaveLength(0);
    expect(document.getElementById("relay-msg")!.textContent).toContain('"boss" is neither');
  });

  it("removes a profile only on a second click, and not the one in use", async () => {
    const old: ProfileSummary = { ...work, name: "old", current: false };
    let profiles = [work, old];
    const removed: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_profiles") return profiles;
      if (cmd === "get_prefs") return prefs;
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "remove_profile") {
        removed.push(args);
        profiles = [work];
        return profiles;
      }
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const buttons = () => [...document.querySelectorAll<HTMLButtonElement>("#profiles button.remove")];
    expect(buttons()).toHaveLength(1); // the profile in use has none
    const b = buttons()[0];
    expect(b.getAttribute("aria-label")).toBe("Remove profile old");
    b.click();
    await new Promise((r) => setTimeout(r, 10));
    expect(removed).toEqual([]);
    expect(b.textContent).toBe("Remove old and its secret? Click again");
    // Leaving the button disarms it.
    b.dispatchEvent(new FocusEvent("blur"));
    expect(b.textContent).toBe("Remove");
    b.click();
    b.click();
    await new Promise((r) => setTimeout(r, 10));
    expect(removed).toEqual([{ name: "old" }]);
    expect(buttons()).toHaveLength(0);
    expect(document.getElementById("profile-msg")!.textContent).toBe("Removed old (and its secret in the keyring).");
  });

  it("says whether StackStorm announces results on the profile's route", async () => {
    let rule: string | null = null;
    mockIPC((cmd) => {
      if (cmd === "list_profiles") return [work];
      if (cmd === "get_prefs") return prefs;
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "get_status") return { stream_route: "stormdesk", announcing_rule: rule };
      if (cmd === "save_profile") return work;
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const p = document.getElementById("announcements")!;
    expect(p.dataset.announced).toBe("no");
    expect(p.textContent).toContain('announces nothing on route "stormdesk"');
    expect(p.textContent).toContain("stormdesk pack");
    rule = "stormdesk.notify_stormdesk";
    s.close();
    await s.open();
    expect(p.dataset.announced).toBe("yes");
    expect(p.textContent).toContain("rule stormdesk.notify_stormdesk");
    // Saving a profile connects to its server: the line follows it.
    rule = null;
    await s.submitProfile();
    expect(p.dataset.announced).toBe("no");
  });

  it("warns when the server is plain http, and only then", async () => {
    let warning: string | null = "http://st2.example is plain http: credentials and results cross the network unencrypted; use https";
    mockIPC((cmd) => {
      if (cmd === "list_profiles") return [work];
      if (cmd === "get_prefs") return prefs;
      if (cmd === "relay_secrets_stored") return [];
      if (cmd === "get_status") return { stream_route: "stormdesk", announcing_rule: null, transport_warning: warning };
      return null;
    });
    const s = new Settings(document, () => {});
    await s.open();
    const w = document.getElementById("transport-warning")!;
    expect(w.hidden).toBe(false);
    expect(w.textContent).toContain("plain http");
    warning = null;
    s.close();
    await s.open();
    expect(w.hidden).toBe(true);
    expect(w.textContent).toBe("");
  });
});
