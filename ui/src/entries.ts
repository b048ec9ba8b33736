// Entries the UI makes itself (a failed call's note) and tests' entries:
// each kind's data with every field at its empty value, as Rust sends it.
import type { Entry } from "./bindings";

export type EntryKind = Entry["kind"];
/** The data an entry of kind `K` carries. */
export type DataOf<K extends EntryKind> = Extract<Entry, { kind: K }>["data"];

const via = { origin: null, chat_user: null };
const EMPTY: { [K in EntryKind]: DataOf<K> } = {
  command: { request: null, executions: [], ...via },
  ack: { alias: null, web_url: null, status: null, shown: true, workflow: false, ...via },
  status: { status: "" },
  result: { status: "", action: null, web_url: null, result: null, parameters: {} },
  announcement: { enriches: false, route: null, channel: null, note: null, extra: null, relayed: null },
  note: { kind: null, reply: null, shared: null, ...via },
  error: { kind: null, request: null, ...via },
  inquiry: { parent: null, route: "", ttl: null, users: [], roles: [], fields: [], schema: null },
};

/** An entry of `kind`; not from history (id -1) unless `rest` says so. */
export function makeEntry<K extends EntryKind>(
  kind: K,
  text: string,
  data: Partial<DataOf<K>> = {},
  rest: Partial<Pick<Entry, "id" | "ts" | "profile" | "execution_id">> = {},
): Entry {
  // TypeScript cannot follow K into the union; EMPTY's type ties them.
  return {
    id: -1,
    ts: new Date().toISOString(),
    profile: "",
    execution_id: null,
    ...rest,
    text,
    kind,
    data: { ...EMPTY[kind], ...data },
  } as Entry;
}
