// The shapes the Rust side sends are generated (bindings.ts); this adds the
// one runtime check the UI needs.
export * from "./bindings";
import type { IpcError } from "./bindings";

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}
