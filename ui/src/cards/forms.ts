// Reading what a person types into a card: an inquiry's field, a re-run's
// changes. Checked here, judged again by StackStorm.
import type { Field, JsonValue } from "../types";

export function readField(f: Field, raw: string): { value?: JsonValue; error?: string } {
  const text = raw.trim();
  if (text === "") return f.required ? { error: "required" } : {};
  switch (f.type) {
    case "boolean":
      return text === "yes" ? { value: true } : text === "no" ? { value: false } : { error: "choose yes or no" };
    case "integer": {
      const n = Number(text);
      return Number.isInteger(n) ? { value: n } : { error: "a whole number" };
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: "a number" };
    }
    case "choice":
      return f.choices.includes(text) ? { value: text } : { error: `one of ${f.choices.join(", ")}` };
    case "json":
      try {
        return { value: JSON.parse(text) as JsonValue };
      } catch {
        return { error: "JSON" };
      }
    case "string":
      return { value: raw };
  }
}

/** `key=value` pairs from what was typed; a value may be quoted to hold spaces. */
export function parseChanges(text: string): { changes: string[]; error?: string } {
  const changes: string[] = [];
  const re = /\s*([A-Za-z_][\w.-]*)=(?:"([^"]*)"|'([^']*)'|(\S*))/y;
  let at = 0;
  const rest = () => text.slice(at).trim();
  while (rest() !== "") {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return { changes, error: `"${rest().split(/\s+/)[0]}" is not key=value` };
    changes.push(`${m[1]}=${m[2] ?? m[3] ?? m[4] ?? ""}`);
    at = re.lastIndex;
  }
  return { changes };
}

/** Statuses after which an execution never changes (StackStorm's). */
