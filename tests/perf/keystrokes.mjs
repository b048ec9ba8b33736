// Keystroke → suggestions on screen, in the real app (WebKit over
// tauri-driver), against a server with many aliases; baseline in the same
// session: an IPC round trip that does no work (mark_read). Also the same
// prefixes through IPC alone (suggest_aliases, no input event, no DOM).
//
// node tests/perf/keystrokes.mjs APP_BINARY   (env: ST2_BASE_URL, ST2_API_KEY, …;
// KEYSTROKE_SAMPLES=1 also prints every keystroke's time, in typing order)
import { spawn } from "node:child_process";

const app = process.argv[2];
const DRIVER = "http://127.0.0.1:4444";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function wd(method, path, body) {
  const r = await fetch(DRIVER + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value)}`);
  return j.value;
}
const driver = spawn("tauri-driver", ["--port", "4444"], { stdio: ["ignore", "ignore", "inherit"] });
try {
  for (let i = 0; i < 75; i++) { try { if ((await fetch(DRIVER + "/status")).ok) break; } catch {} await sleep(200); }
  const { sessionId: sid } = await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: app } } } });
  const run = (script, args = []) => wd("POST", `/session/${sid}/execute/async`, { script, args });
  // Wait until the desk is up with its aliases.
  for (let i = 0; i < 150; i++) {
    const n = await run("const d = arguments[arguments.length-1]; window.__TAURI_INTERNALS__.invoke('suggest_aliases', {text: 'dep', limit: 50}).then((s) => d(s.length), () => d(0));");
    if (n > 0) break;
    await sleep(200);
  }
  const result = await run(`
    const done = arguments[arguments.length - 1];
    const input = document.getElementById("command");
    const list = document.getElementById("suggestions");
    const command = "restart svc7 api-gateway on web3 in staging";
    const typed = [];
    const next = (i) => new Promise((resolve) => {
      const t0 = performance.now();
      const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now() - t0); });
      obs.observe(list, { childList: true });
      input.value = command.slice(0, i + 1);
      input.dispatchEvent(new Event("input"));
    });
    (async () => {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < command.length; i++) typed.push(await next(i));
        input.value = ""; input.dispatchEvent(new Event("input"));
        await new Promise((r) => setTimeout(r, 50));
      }
      // The same prefixes straight through IPC, no input event and no DOM:
      // what the backend and the bridge take of a keystroke.
      const direct = [];
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < command.length; i++) {
          const t0 = performance.now();
          await window.__TAURI_INTERNALS__.invoke("suggest_aliases", { text: command.slice(0, i + 1), limit: 8 });
          direct.push(performance.now() - t0);
        }
      }
      const ipc = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await window.__TAURI_INTERNALS__.invoke("mark_read", {});
        ipc.push(performance.now() - t0);
      }
      const shown = list.children.length;
      done({ typed, ipc, shown, direct });
    })();
  `);
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  const p95 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.95)]; };
  // WebKit rounds performance.now() to 1 ms, so medians of sub-millisecond
  // steps read 0 or 1; the means of a few hundred samples still compare.
  const mean = (a) => +(a.reduce((x, y) => x + y, 0) / a.length).toFixed(3);
  const stats = (a) => ({ median: +med(a).toFixed(3), p95: +p95(a).toFixed(3), mean: mean(a) });
  const aliases = await run("const d = arguments[arguments.length-1]; window.__TAURI_INTERNALS__.invoke('suggest_aliases', {text: '', limit: 50}).then((s) => d(s.length));");
  console.log(JSON.stringify({
    keystrokes: result.typed.length,
    ...(process.env.KEYSTROKE_SAMPLES ? { samples_ms: result.typed.map((x) => +x.toFixed(1)) } : {}),
    keystroke_to_suggestions_ms: stats(result.typed),
    suggest_ipc_only_ms: stats(result.direct),
    baseline_ipc_round_trip_ms: stats(result.ipc),
    ratio_of_means: +(mean(result.typed) / mean(result.ipc)).toFixed(2),
    suggestions_on_screen_at_end: result.shown,
    sanity_suggestions_for_empty: aliases,
  }));
  await wd("DELETE", `/session/${sid}`);
} finally {
  driver.kill();
}
