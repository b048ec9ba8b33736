// Generated from Rust by `cargo run -p stormdesk-desk --bin export-bindings`.
// Do not edit: CI fails when this file and the Rust types differ.

import { invoke } from "@tauri-apps/api/core";

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type EntryKind = "command" | "ack" | "status" | "result" | "announcement" | "note" | "error" | "inquiry";

export type Via = { 
/**
 * `slack` or `teams`.
 */
origin: string | null, 
/**
 * The chat user's id on that service.
 */
chat_user: string | null, };

export type CommandData = { 
/**
 * The request id that ties this command's executions to it.
 */
request: string | null, 
/**
 * Executions a relayed command started (the chat saw their acks).
 */
executions: Array<string>, 
/**
 * `slack` or `teams`.
 */
origin: string | null, 
/**
 * The chat user's id on that service.
 */
chat_user: string | null, };

export type AckData = { 
/**
 * The action alias, `pack.name`.
 */
alias: string | null, 
/**
 * The execution in StackStorm's web UI.
 */
web_url: string | null, 
/**
 * The execution's status when it was acknowledged.
 */
status: string | null, 
/**
 * The alias's `ack.enabled`: false when StackStorm would post no ack.
 */
shown: boolean, 
/**
 * A workflow: it can be paused and resumed.
 */
workflow: boolean, 
/**
 * `slack` or `teams`.
 */
origin: string | null, 
/**
 * The chat user's id on that service.
 */
chat_user: string | null, };

export type StatusData = { status: string, };

export type ResultData = { status: string, 
/**
 * The action, `pack.name`.
 */
action: string | null, web_url: string | null, 
/**
 * StackStorm's `result`, as it sent it.
 */
result: JsonValue, 
/**
 * The parameters it ran with, for "Re-run with…"; those the action
 * marks `secret` are left out (StackStorm masks them anyway).
 */
parameters: { [key in string]: JsonValue }, };

export type AnnouncementData = { 
/**
 * The announcement of a result on screen (same execution): it replaces
 * that result's text instead of adding a card.
 */
enriches: boolean, 
/**
 * The stream route it came on.
 */
route: string | null, 
/**
 * The channel StackStorm named (a destination reference, or free text).
 */
channel: JsonValue, 
/**
 * Why it is shown here rather than where it was addressed.
 */
note: string | null, 
/**
 * StackStorm's `extra` (Slack attachments and the like).
 */
extra: JsonValue, 
/**
 * The chat service it was also posted to.
 */
relayed: string | null, };

export type NoteData = { 
/**
 * What happened, for the UI to react to (`forged_destination`, …).
 */
kind: string | null, 
/**
 * The reply the chat user was sent.
 */
reply: string | null, 
/**
 * The entry that was shared.
 */
shared: number | null, 
/**
 * `slack` or `teams`.
 */
origin: string | null, 
/**
 * The chat user's id on that service.
 */
chat_user: string | null, };

export type FieldType = { "type": "string" } | { "type": "boolean" } | { "type": "integer" } | { "type": "number" } | { "type": "choice", "choices": Array<string> } | { "type": "json" };

export type Field = { name: string, required: boolean, description: string | null, default: unknown, } & ({ "type": "string" } | { "type": "boolean" } | { "type": "integer" } | { "type": "number" } | { "type": "choice", "choices": Array<string> } | { "type": "json" });

export type InquiryData = { 
/**
 * The paused workflow.
 */
parent: string | null, route: string, 
/**
 * Minutes StackStorm keeps it open.
 */
ttl: number | null, 
/**
 * Who may answer (none listed: anyone allowed to see it).
 */
users: Array<string>, roles: Array<string>, 
/**
 * The answer's form, from the inquiry's JSON schema.
 */
fields: Array<Field>, 
/**
 * The schema itself, as StackStorm sent it.
 */
schema: JsonValue, };

export type ErrorData = { 
/**
 * The error's kind, as `IpcError` names them.
 */
kind: string | null, 
/**
 * The command's request, when it was a command that failed.
 */
request: string | null, 
/**
 * `slack` or `teams`.
 */
origin: string | null, 
/**
 * The chat user's id on that service.
 */
chat_user: string | null, };

export type Entry = { id: number, 
/**
 * RFC 3339, UTC, milliseconds.
 */
ts: string, profile: string, execution_id: string | null, text: string, } & ({ "kind": "command", "data": CommandData } | { "kind": "ack", "data": AckData } | { "kind": "status", "data": StatusData } | { "kind": "result", "data": ResultData } | { "kind": "announcement", "data": AnnouncementData } | { "kind": "note", "data": NoteData } | { "kind": "error", "data": ErrorData } | { "kind": "inquiry", "data": InquiryData });

export type SuggestionKind = "match" | "partial" | "fuzzy";

export type Next = { "type": "param", name: string, default: string | null, } | { "type": "word", word: string, };

export type Suggestion = { ref: string, pack: string, display: string, representation: string, description: string | null, kind: SuggestionKind, 
/**
 * Exact (StackStorm's parser) for a match; the values typed so far otherwise.
 */
params: Record<string, JsonValue>, next: Next | null, score: number, };

export type ConnectionState = { "state": "connecting", attempt: number, } | { "state": "live" } | { "state": "backing_off", attempt: number, retry_in_ms: number, reason: string, } | { "state": "auth_failed", message: string, } | { "state": "stopped" };

export type AuthKind = "password" | "api_key" | "token";

export type ErrorKind = "unreachable" | "tls" | "unauthorized" | "not_found" | "no_match" | "ambiguous" | "alias_disabled" | "confirmation_required" | "server" | "refused" | "malformed" | "redirect" | "timeout" | "config" | "no_credentials" | "keyring_locked" | "keyring_unavailable" | "keyring" | "history" | "input" | "demo" | "starting" | "not_configured" | "settings" | "link" | "share" | "shortcut" | "autostart" | "relay" | "relay_refused" | "relay_rate_limited" | "relay_unreachable" | "relay_malformed" | "relay_unauthorized" | "not_allowed" | "desk" | "internal";

export type IpcError = { kind: ErrorKind, message: string, };

export type Status = { profile: string, demo: boolean, base_url: string | null, notifications_paused: boolean, connection: ConnectionState, unread: number, 
/**
 * Inquiries waiting for an answer.
 */
inquiries: number, relay: RelayLinks, 
/**
 * The stream route results are announced on, and the server's notify
 * rule for it (the stormdesk pack's), if it has one.
 */
stream_route: string, announcing_rule: string | null, 
/**
 * Set when the server is plain http off this machine: credentials
 * cross the network unencrypted.
 */
transport_warning: string | null, 
/**
 * An execution asked to be shown in the last few seconds (a
 * notification's Open, the tray): a pane that starts just then (its
 * webview was released) shows it, as the `open` event would have.
 */
open: string | null, 
/**
 * Settings was asked for in the last few seconds (the tray's
 * Settings…): a pane that starts just then opens it, as the
 * `show_settings` event would have.
 */
settings: boolean, };

export type ProfileSummary = { name: string, base_url: string | null, auth: AuthKind, username: string | null, stream_route: string, has_secret: boolean, current: boolean, };

export type Secret = string;

export type ProfileForm = { name: string, base_url: string, auth: AuthKind, username: string | null, 
/**
 * Empty or absent: keep the secret already in the keyring.
 */
secret: string | null, stream_route: string | null, insecure: boolean, };

export type ExecutionControl = "cancel" | "pause" | "resume" | "rerun";

export type RecentResult = { execution_id: string, label: string, status: string, };

export type LinkState = { "state": "off" } | { "state": "connecting" } | { "state": "connected" } | { "state": "retrying", reason: string, } | { "state": "listening", address: string, } | { "state": "failed", reason: string, };

export type RelayLinks = { slack: LinkState, teams: LinkState, };

export type ShareTarget = { 
/**
 * Pass back to `share_entry`: a conversation reference, or
 * `webhook:slack` / `webhook:teams`.
 */
id: string, label: string, 
/**
 * `slack` or `teams`.
 */
service: string, };

export type Theme = "system" | "light" | "dark";

export type NotifyLevel = "all" | "failures" | "none";

export type ChatUser = { 
/**
 * `slack:U…` or `teams:29:…`.
 */
chat_user: string, st2_user: string, roles: Array<string>, 
/**
 * May answer inquiries that name neither users nor roles.
 */
approver: boolean, };

export type RelayPrefs = { 
/**
 * Messages starting with this (or mentioning the bot) are commands.
 */
prefix: string, 
/**
 * Chat users allowed to run commands: `slack:U…`, `teams:29:…`.
 * Empty: nothing runs.
 */
allowed_users: Array<string>, 
/**
 * Chat users as the StackStorm users they are, for answering
 * inquiries from chat (`!st2 respond`): nobody unmapped answers one.
 */
chat_users: Array<ChatUser>, 
/**
 * Slack: Socket Mode in, chat.postMessage out.
 */
slack: boolean, 
/**
 * Slack's Web API base (only for tests or Slack GovSlack).
 */
slack_api: string | null, 
/**
 * Teams: the Bot Framework messaging endpoint in, proactive replies out.
 */
teams: boolean, teams_app_id: string | null, 
/**
 * Where the messaging endpoint listens (your tunnel points here).
 */
teams_listen: string, 
/**
 * Bot Framework's token and OpenID metadata URLs (tests, sovereign clouds).
 */
teams_token_url: string | null, teams_metadata_url: string | null, 
/**
 * Which results are also posted to the configured webhooks.
 */
webhook_results: NotifyLevel, };

export type Prefs = { 
/**
 * The global shortcut that summons the palette (Tauri accelerator syntax).
 */
shortcut: string, theme: Theme, notify_results: NotifyLevel, notify_announcements: boolean, start_at_login: boolean, 
/**
 * History older than this many days is dropped (0: kept forever).
 */
history_days: number, 
/**
 * History's most size on disk, in MB; the oldest go first (0: no limit).
 */
history_mb: number, 
/**
 * Show every inquiry waiting on the server, not only those this desk's
 * user may answer (named in its `users`, or none named) and those of
 * the workflows it started.
 */
all_inquiries: boolean, 
/**
 * Slack / Teams relay (off until connected; secrets in the keyring).
 */
relay: RelayPrefs, };

export type OutputText = { 
/**
 * `stdout` or `stderr`.
 */
stream: string, text: string, };

export type DeskEvent = { "type": "entry", entry: Entry, } | { "type": "output", execution_id: string, chunks: Array<OutputText>, } | { "type": "task", workflow_id: string, execution_id: string, task: string, status: string, } | { "type": "connection", state: ConnectionState, } | { "type": "ready", profile: string, demo: boolean, } | { "type": "failed", error: IpcError, } | { "type": "first_run", reason: string | null, } | { "type": "open", execution_id: string, } | { "type": "summon" } | { "type": "show_settings" } | { "type": "unread", count: number, } | { "type": "paused", paused: boolean, } | { "type": "relay", links: RelayLinks, } | { "type": "history_trimmed", removed: number, bytes_before: number, bytes_after: number, } | { "type": "missed", count: number, };

export interface Commands {
  suggest_aliases: { args: { text: string; limit: number }; returns: Array<Suggestion> };
  refresh_aliases: { args: {}; returns: number };
  run_command: { args: { text: string; confirmed: boolean }; returns: Array<Entry> };
  respond_inquiry: { args: { inquiry_id: string; response: JsonValue }; returns: Array<Entry> };
  control_execution: { args: { execution_id: string; control: ExecutionControl }; returns: Array<Entry> };
  rerun_execution: { args: { execution_id: string; changes: Array<string>; confirmed: boolean }; returns: Array<Entry> };
  load_history: { args: { before: number | null; limit: number }; returns: Array<Entry> };
  search_history: { args: { query: string; limit: number }; returns: Array<Entry> };
  set_notifications_paused: { args: { paused: boolean }; returns: boolean };
  get_status: { args: {}; returns: Status };
  start_demo: { args: {}; returns: Status };
  list_profiles: { args: {}; returns: Array<ProfileSummary> };
  save_profile: { args: { form: ProfileForm }; returns: ProfileSummary };
  remove_profile: { args: { name: string }; returns: Array<ProfileSummary> };
  switch_profile: { args: { name: string }; returns: Status };
  get_prefs: { args: {}; returns: Prefs };
  save_prefs: { args: { prefs: Prefs }; returns: Prefs };
  open_link: { args: { url: string }; returns: boolean };
  mark_read: { args: {}; returns: number };
  recent_results: { args: {}; returns: Array<RecentResult> };
  set_relay_secret: { args: { name: string; secret: Secret }; returns: boolean };
  relay_secrets_stored: { args: {}; returns: Array<string> };
  list_share_targets: { args: {}; returns: Array<ShareTarget> };
  share_entry: { args: { entry_id: number; target: string }; returns: ShareTarget };
  forget_share_target: { args: { target: string }; returns: Array<ShareTarget> };
}

// One function per command: positional arguments, the result typed by
// `Commands`. What the UI calls; a new command needs no hand-written
// wrapper.
export const suggestAliases = (text: string, limit: number): Promise<Commands["suggest_aliases"]["returns"]> =>
  invoke("suggest_aliases", { text, limit });
export const refreshAliases = (): Promise<Commands["refresh_aliases"]["returns"]> =>
  invoke("refresh_aliases", {});
export const runCommand = (text: string, confirmed: boolean): Promise<Commands["run_command"]["returns"]> =>
  invoke("run_command", { text, confirmed });
export const respondInquiry = (inquiryId: string, response: JsonValue): Promise<Commands["respond_inquiry"]["returns"]> =>
  invoke("respond_inquiry", { inquiry_id: inquiryId, response });
export const controlExecution = (executionId: string, control: ExecutionControl): Promise<Commands["control_execution"]["returns"]> =>
  invoke("control_execution", { execution_id: executionId, control });
export const rerunExecution = (executionId: string, changes: Array<string>, confirmed: boolean): Promise<Commands["rerun_execution"]["returns"]> =>
  invoke("rerun_execution", { execution_id: executionId, changes, confirmed });
export const loadHistory = (before: number | null, limit: number): Promise<Commands["load_history"]["returns"]> =>
  invoke("load_history", { before, limit });
export const searchHistory = (query: string, limit: number): Promise<Commands["search_history"]["returns"]> =>
  invoke("search_history", { query, limit });
export const setNotificationsPaused = (paused: boolean): Promise<Commands["set_notifications_paused"]["returns"]> =>
  invoke("set_notifications_paused", { paused });
export const getStatus = (): Promise<Commands["get_status"]["returns"]> =>
  invoke("get_status", {});
export const startDemo = (): Promise<Commands["start_demo"]["returns"]> =>
  invoke("start_demo", {});
export const listProfiles = (): Promise<Commands["list_profiles"]["returns"]> =>
  invoke("list_profiles", {});
export const saveProfile = (form: ProfileForm): Promise<Commands["save_profile"]["returns"]> =>
  invoke("save_profile", { form });
export const removeProfile = (name: string): Promise<Commands["remove_profile"]["returns"]> =>
  invoke("remove_profile", { name });
export const switchProfile = (name: string): Promise<Commands["switch_profile"]["returns"]> =>
  invoke("switch_profile", { name });
export const getPrefs = (): Promise<Commands["get_prefs"]["returns"]> =>
  invoke("get_prefs", {});
export const savePrefs = (prefs: Prefs): Promise<Commands["save_prefs"]["returns"]> =>
  invoke("save_prefs", { prefs });
export const openLink = (url: string): Promise<Commands["open_link"]["returns"]> =>
  invoke("open_link", { url });
export const markRead = (): Promise<Commands["mark_read"]["returns"]> =>
  invoke("mark_read", {});
export const recentResults = (): Promise<Commands["recent_results"]["returns"]> =>
  invoke("recent_results", {});
export const setRelaySecret = (name: string, secret: Secret): Promise<Commands["set_relay_secret"]["returns"]> =>
  invoke("set_relay_secret", { name, secret });
export const relaySecretsStored = (): Promise<Commands["relay_secrets_stored"]["returns"]> =>
  invoke("relay_secrets_stored", {});
export const listShareTargets = (): Promise<Commands["list_share_targets"]["returns"]> =>
  invoke("list_share_targets", {});
export const shareEntry = (entryId: number, target: string): Promise<Commands["share_entry"]["returns"]> =>
  invoke("share_entry", { entry_id: entryId, target });
export const forgetShareTarget = (target: string): Promise<Commands["forget_share_target"]["returns"]> =>
  invoke("forget_share_target", { target });

export const COMMAND_NAMES = ["suggest_aliases", "refresh_aliases", "run_command", "respond_inquiry", "control_execution", "rerun_execution", "load_history", "search_history", "set_notifications_paused", "get_status", "start_demo", "list_profiles", "save_profile", "remove_profile", "switch_profile", "get_prefs", "save_prefs", "open_link", "mark_read", "recent_results", "set_relay_secret", "relay_secrets_stored", "list_share_targets", "share_entry", "forget_share_target"] as const;
