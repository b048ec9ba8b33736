// End to end: the built app in real WebKit (tauri-driver + WebKitWebDriver),
// against its built-in demo simulator, with a real keyring and notification
// daemon (run inside scripts/with-daemons.sh). Plain W3C WebDriver over HTTP.
//
// node tests/e2e/app.e2e.mjs APP_BINARY ARTIFACT_DIR
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const app = resolve(process.argv[2] ?? "target/debug/stormdesk");
const artifacts = resolve(process.argv[3] ?? "ci-artifacts");
mkdirSync(artifacts, { recursive: true });
const data = mkdtempSync(join(tmpdir(), "stormdesk-e2e-"));
const DRIVER = "http://127.0.0.1:4444";
let passed = 0;
let failed = 0;

function check(name, ok, detail = "") {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

async function wd(method, path, body) {
  const r = await fetch(DRIVER + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value)}`);
  return j.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}: ${last}`);
}

async function newSession() {
  const s = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  return s.sessionId;
}

// The app inherits its environment from tauri-driver → WebKitWebDriver.
async function startDriver(extra) {
  const d = spawn("tauri-driver", ["--port", "4444"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...env, ...extra },
  });
  await until("tauri-driver", async () => (await fetch(DRIVER + "/status")).ok, 15000);
  return d;
}

const find = (sid, css) => wd("POST", `/session/${sid}/element`, { using: "css selector", value: css });
const findAll = (sid, css) => wd("POST", `/session/${sid}/elements`, { using: "css selector", value: css });
const elId = (e) => {
  const id = e?.["element-6066-11e4-a52e-4f735466cecf"] ?? e?.ELEMENT;
  if (!id) throw new Error(`not an element: ${JSON.stringify(e)}`);
  return id;
};
const js = (sid, script, args = []) => wd("POST", `/session/${sid}/execute/sync`, { script, args });

// Text of every element matching `css`, read in the page (textContent).
const texts = (sid, css) =>
  js(sid, "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", [css]);

async function typeInto(sid, css, value) {
  const e = await find(sid, css);
  await wd("POST", `/session/${sid}/element/${elId(e)}/value`, { text: value });
  return e;
}

async function screenshot(sid, name) {
  const png = await wd("GET", `/session/${sid}/screenshot`);
  writeFileSync(join(artifacts, name), Buffer.from(png, "base64"));
}

const env = { STORMDESK_DATA_DIR: data, STORMDESK_DEMO_TIME_SCALE: "0.2" };
let driver = null;
try {
  driver = await startDriver({});
  let sid = await newSession();
  await until("the desk to be ready", async () => /ready|live/.test((await texts(sid, "#status"))[0] ?? ""));
  check("the app starts against its demo server", true);

  await typeInto(sid, "#command", "genp");
  const first = await until("suggestions", async () => (await texts(sid, "#suggestions .display"))[0] ?? null);
  check("typing a partial command shows suggestions", first === "genpass", first);

  await typeInto(sid, "#command", "ass\uE007");
  const result = await until("the result", async () =>
    (await texts(sid, "#pane .entry.result .body")).find((t) => t.includes("kaffee_wolke")) ?? null);
  check("Enter runs it: ack and result appear in the pane", result.includes("kaffee_wolke_tasse_regen"));
  const ack = await until("the ack", async () =>
    (await texts(sid, "#pane .entry.ack .body")).includes("Sekunde...") || null);
  check("the ack is shown", ack === true);
  const badge = await until("final status", async () => {
    const b = await texts(sid, "#pane .entry.ack .badge");
    return b[b.length - 1] === "succeeded" ? "succeeded" : null;
  });
  check("live status reaches succeeded", badge === "succeeded");

  // No trailing key=value: StackStorm would take those as extra parameters.
  // If anything ran, an alert would open and every later WebDriver call fail.
  const evil = "<img src=x onerror=alert(1)> <script>alert(2)</script>";
  await typeInto(sid, "#command", `announce ${evil}\uE007`);
  const shown = await until("the announce result", async () =>
    (await texts(sid, "#pane .entry.result .body")).find((t) => t.includes("onerror")) ?? null);
  check("HTML from the server shows as text", shown.includes(evil), shown);
  const imgs = await findAll(sid, "#pane img, #pane script");
  const title = await js(sid, "return document.title");
  check("and runs nothing", imgs.length === 0 && title === "Stormdesk", `${imgs.length} ${title}`);
  await screenshot(sid, "pane-light.png");
  await wd("DELETE", `/session/${sid}`);

  // Restart: history is still there.
  sid = await newSession();
  const kept = await until("history after restart", async () =>
    (await texts(sid, "#pane .entry.result .body")).some((t) => t.includes("kaffee_wolke")) || null);
  check("after a restart the history is still there", kept === true);
  await wd("DELETE", `/session/${sid}`);

  // Dark theme: the same history, WebKit told to prefer dark.
  driver.kill();
  await sleep(500);
  driver = await startDriver({ GTK_THEME: "Adwaita:dark" });
  sid = await newSession();
  await until("ready (dark)", async () => /ready|live/.test((await texts(sid, "#status"))[0] ?? ""));
  await screenshot(sid, "pane-dark.png");
  await wd("DELETE", `/session/${sid}`);

  const notifyLog = process.env.STORMDESK_NOTIFY_LOG;
  if (notifyLog) {
    const log = readFileSync(notifyLog, "utf8");
    check("the desktop notification was delivered", log.includes("custom_linux.genpass succeeded"), "no Notify for genpass");
  }
} catch (e) {
  check("e2e run", false, String(e));
} finally {
  driver?.kill();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
