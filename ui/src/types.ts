// Shapes of what the Rust side sends (stormdesk-history Entry,
// stormdesk-alias Suggestion, stormdesk-desk DeskEvent, the shell's IpcError).

export type EntryKind = "command" | "ack" | "status" | "result" | "announcement" | "note" | "error";

export interface Entry {
  id: number;
  ts: string;
  profile: string;
  kind: EntryKind;
  execution_id: string | null;
  text: string;
  data: Record<string, unknown> | null;
}

export type Next =
  | { type: "param"; name: string; default: string | null }
  | { type: "word"; word: string };

export interface Suggestion {
  ref: string;
  pack: string;
  display: string;
  representation: string;
  description: string | null;
  kind: "match" | "partial" | "fuzzy";
  params: Record<string, string | null>;
  next: Next | null;
  score: number;
}

export type ConnectionState =
  | { state: "connecting"; attempt: number }
  | { state: "live" }
  | { state: "backing_off"; attempt: number; retry_in_ms: number; reason: string }
  | { state: "auth_failed"; message: string }
  | { state: "stopped" };

export type DeskEvent =
  | { type: "entry"; entry: Entry }
  | { type: "connection"; state: ConnectionState }
  | { type: "ready"; profile: string }
  | { type: "failed"; error: IpcError };

export interface IpcError {
  kind: string;
  message: string;
}

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

export interface Status {
  profile: string;
  base_url: string | null;
  notifications_paused: boolean;
  connection: ConnectionState;
}
