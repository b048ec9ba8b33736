// The only place that talks to the Rust side. Every call is typed by the
// generated `Commands` map, so a renamed argument fails the type check.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Commands, DeskEvent, ExecutionControl, JsonValue, Prefs, ProfileForm } from "./types";

export const DESK_EVENT = "desk-event";

export function call<K extends keyof Commands>(cmd: K, args: Commands[K]["args"]): Promise<Commands[K]["returns"]> {
  return invoke<Commands[K]["returns"]>(cmd, args);
}

export const suggestAliases = (text: string, limit = 8) => call("suggest_aliases", { text, limit });
export const refreshAliases = () => call("refresh_aliases", {});
export const runCommand = (text: string, confirmed = false) => call("run_command", { text, confirmed });
export const controlExecution = (executionId: string, control: ExecutionControl) =>
  call("control_execution", { execution_id: executionId, control });
export const rerunExecution = (executionId: string, changes: string[], confirmed = false) =>
  call("rerun_execution", { execution_id: executionId, changes, confirmed });
export const respondInquiry = (inquiryId: string, response: { [key in string]: JsonValue }) =>
  call("respond_inquiry", { inquiry_id: inquiryId, response });
export const loadHistory = (before: number | null = null, limit = 100) => call("load_history", { before, limit });
export const searchHistory = (query: string, limit = 100) => call("search_history", { query, limit });
export const setNotificationsPaused = (paused: boolean) => call("set_notifications_paused", { paused });
export const getStatus = () => call("get_status", {});
export const startDemo = () => call("start_demo", {});
export const listProfiles = () => call("list_profiles", {});
export const saveProfile = (form: ProfileForm) => call("save_profile", { form });
export const switchProfile = (name: string) => call("switch_profile", { name });
export const removeProfile = (name: string) => call("remove_profile", { name });
export const getPrefs = () => call("get_prefs", {});
export const savePrefs = (prefs: Prefs) => call("save_prefs", { prefs });
export const openLink = (url: string) => call("open_link", { url });
export const markRead = () => call("mark_read", {});
export const setRelaySecret = (name: string, secret: string) => call("set_relay_secret", { name, secret });
export const relaySecretsStored = () => call("relay_secrets_stored", {});
export const listShareTargets = () => call("list_share_targets", {});
export const shareEntry = (entryId: number, target: string) => call("share_entry", { entry_id: entryId, target });
export const forgetShareTarget = (target: string) => call("forget_share_target", { target });

// The app's version (the workspace's, as in `stormdesk --version` and the
// package): Tauri's own command, allowed by core:app:allow-version.
export const appVersion = () => invoke<string>("plugin:app|version");

// The window plugin's own command (what @tauri-apps/api/window calls),
// without pulling that whole module into the bundle.
export const hideWindow = () => invoke<void>("plugin:window|hide", { label: "main" });

export function onDeskEvent(handler: (e: DeskEvent) => void): Promise<UnlistenFn> {
  return listen<DeskEvent>(DESK_EVENT, (e) => handler(e.payload));
}
