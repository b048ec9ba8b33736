// The only place that talks to the Rust side. Every call is typed by the
// generated `Commands` map, so a renamed argument fails the type check; the
// call functions themselves are generated too (bindings.ts).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Commands, DeskEvent } from "./types";

export const DESK_EVENT = "desk-event";

export function call<K extends keyof Commands>(cmd: K, args: Commands[K]["args"]): Promise<Commands[K]["returns"]> {
  return invoke<Commands[K]["returns"]>(cmd, args);
}

// One call function per command (`runCommand`, `getStatus` …), generated
// with the types.
export * from "./bindings";

// The app's version (the workspace's, as in `stormdesk --version` and the
// package): Tauri's own command, allowed by core:app:allow-version.
export const appVersion = () => invoke<string>("plugin:app|version");

// The window plugin's own command (what @tauri-apps/api/window calls),
// without pulling that whole module into the bundle.
export const hideWindow = () => invoke<void>("plugin:window|hide", { label: "main" });

export function onDeskEvent(handler: (e: DeskEvent) => void): Promise<UnlistenFn> {
  return listen<DeskEvent>(DESK_EVENT, (e) => handler(e.payload));
}
