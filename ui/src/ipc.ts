// The only place that talks to the Rust side.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { DeskEvent, Entry, Status, Suggestion } from "./types";

export const DESK_EVENT = "desk-event";

export const suggestAliases = (text: string, limit = 8) =>
  invoke<Suggestion[]>("suggest_aliases", { text, limit });
export const runCommand = (text: string) => invoke<Entry[]>("run_command", { text });
export const loadHistory = (before: number | null = null, limit = 100) =>
  invoke<Entry[]>("load_history", { before, limit });
export const searchHistory = (query: string, limit = 100) =>
  invoke<Entry[]>("search_history", { query, limit });
export const setNotificationsPaused = (paused: boolean) =>
  invoke<boolean>("set_notifications_paused", { paused });

export const getStatus = () => invoke<Status>("get_status");

export function onDeskEvent(handler: (e: DeskEvent) => void): Promise<UnlistenFn> {
  return listen<DeskEvent>(DESK_EVENT, (e) => handler(e.payload));
}
