//! Jinja rendering, as StackStorm renders alias `ack`/`result` formats, and
//! the chatops pack's result message (`chatops.format_execution_result`).

use minijinja::{Environment, UndefinedBehavior, Value as JValue};
use serde_json::{json, Value};

use crate::Alias;

/// What `chatops.format_execution_result` makes of a finished execution.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultMessage {
    /// The alias says `result.enabled: false`: nothing is posted.
    Disabled,
    /// Rendered with the alias's own `result.format` (and `result.extra`).
    Formatted { text: String, extra: Value },
    /// Rendered with the chatops pack's default template.
    Default { text: String, extra: Value },
}

impl ResultMessage {
    /// The text a chat would show, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            ResultMessage::Disabled => None,
            ResultMessage::Formatted { text, .. } | ResultMessage::Default { text, .. } => {
                Some(text)
            }
        }
    }

    pub fn extra(&self) -> Value {
        match self {
            ResultMessage::Disabled => Value::Null,
            ResultMessage::Formatted { extra, .. } | ResultMessage::Default { extra, .. } => {
                extra.clone()
            }
        }
    }
}

/// The text the alias's own `result.format` gives a finished execution
/// (None without one, or when its alias is unknown or has results off).
pub fn alias_result_text(index: &crate::AliasIndex, execution: &Value) -> Option<String> {
    let alias = index.alias_for_execution(execution.get("context")?)?;
    match chatops_result(Some(alias), execution) {
        ResultMessage::Formatted { text, .. } => Some(text),
        _ => None,
    }
}

/// `format_execution_result` for an execution (as the API shows it) and the
/// alias that started it: the template sees `execution` and `alias`.
/// Rendering never fails: an error becomes the message, as a chat would
/// rather see that than nothing.
pub fn chatops_result(alias: Option<&Alias>, execution: &Value) -> ResultMessage {
    let alias_json = alias
        .and_then(|a| serde_json::to_value(a).ok())
        .unwrap_or(Value::Null);
    let cfg = alias.and_then(|a| a.result.clone()).unwrap_or(Value::Null);
    if cfg.get("enabled") == Some(&Value::Bool(false)) {
        return ResultMessage::Disabled;
    }
    let ctx = json!({"execution": execution, "alias": alias_json});
    let extra = cfg
        .get("extra")
        .map(|x| render_values(x, &ctx).unwrap_or_else(|e| json!(e)))
        .unwrap_or_else(|| json!({}));
    match cfg.get("format").and_then(Value::as_str) {
        Some(f) => ResultMessage::Formatted {
            text: render_lenient(f, &ctx).unwrap_or_else(|e| e),
            extra,
        },
        None => ResultMessage::Default {
            text: default_result_message(execution),
            extra,
        },
    }
}

fn env(strict: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(if strict {
        UndefinedBehavior::Strict
    } else {
        UndefinedBehavior::Lenient
    });
    env.add_filter("to_human_time_from_seconds", human_time);
    env
}

/// st2's `to_human_time_from_seconds`, quirks included: under a second it
/// prints the seconds with a "μs" suffix (`0.42μs` for 0.42 s), and the day
/// count is the day of the month of `datetime(1, 1, 1) + timedelta`.
fn human_time(secs: f64) -> String {
    if secs == 0.0 {
        return "0s".into();
    }
    if secs < 1.0 {
        return format!("{secs}\u{3bc}s");
    }
    // Python's round(): half to even.
    let total = {
        let r = secs.round();
        if (secs - secs.trunc() - 0.5).abs() < f64::EPSILON && r % 2.0 != 0.0 {
            r - 1.0
        } else {
            r
        }
    } as u64;
    let (mut days, rest) = (total / 86_400, total % 86_400);
    let (hours, mins, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let leap = |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let mut year = 1u64;
    while days >= if leap(year) { 366 } else { 365 } {
        days -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let month_len = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    for len in month_len {
        if days < len {
            break;
        }
        days -= len;
    }
    let parts = [year - 1, days, hours, mins, s];
    let Some(first) = parts.iter().position(|&x| x != 0) else {
        return "0s".into();
    };
    let units = ["y", "d", "h", "m", "s"];
    parts[first..]
        .iter()
        .zip(&units[first..])
        .map(|(v, u)| format!("{v}{u}"))
        .collect()
}

/// Render leniently: an unknown name renders as nothing (format_execution_result
/// uses `allow_undefined=True`).
pub fn render_lenient(template: &str, ctx: &Value) -> Result<String, String> {
    env(false)
        .render_str(template, JValue::from_serialize(ctx))
        .map_err(|e| e.to_string())
}

/// Render strictly: an unknown name is an error (st2's `render_values`).
pub fn render_strict(template: &str, ctx: &Value) -> Result<String, String> {
    env(true)
        .render_str(template, JValue::from_serialize(ctx))
        .map_err(|e| e.to_string())
}

/// Render every string inside a JSON value.
pub fn render_values(v: &Value, ctx: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(render_strict(s, ctx)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_values(x, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), render_values(x, ctx)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// The chatops pack's default result message (`templates/default.j2`), for
/// aliases without a `result.format`: the same lines, the same choice of
/// result fields per runner, values as Python prints them. (Blank lines and
/// indentation differ from Jinja's whitespace; every text line is the same.)
pub fn default_result_message(execution: &Value) -> String {
    let mut out = format!(
        "Action {} completed.\nstatus : {}\nexecution: {}\n",
        py_str(&execution["action"]["ref"]),
        py_str(&execution["status"]),
        py_str(&execution["id"])
    );
    if truthy(&execution["web_url"]) {
        out.push_str(&format!("web_url: {}\n", py_str(&execution["web_url"])));
    }
    if let Some(secs) = execution["elapsed_seconds"].as_f64().filter(|s| *s != 0.0) {
        out.push_str(&format!("Took {} to complete.\n", human_time(secs)));
    }
    let result = &execution["result"];
    if truthy(result) {
        out.push_str("result :\n--------\n");
        let pick = |v: &Value, keys: &[&str]| -> Vec<(String, Value)> {
            v.as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, v)| keys.contains(&k.as_str()) && truthy(v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let all = |v: &Value| -> Vec<(String, Value)> {
            v.as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let shell = ["stdout", "stderr", "return_code", "error"];
        match execution["runner"]["name"].as_str().unwrap_or("") {
            "http-request" => serialize(&mut out, &all(result), ""),
            "python-script" | "windows-cmd" | "windows-script" => serialize(
                &mut out,
                &pick(result, &["result", "stdout", "stderr", "exit_code"]),
                "",
            ),
            "remote-shell-cmd" | "remote-shell-script" => {
                for (host, v) in all(result) {
                    out.push_str(&format!("{host} : \n"));
                    serialize(&mut out, &pick(&v, &shell), "  ");
                }
            }
            "local-shell-cmd" | "local-shell-script" => {
                serialize(&mut out, &pick(result, &shell), "")
            }
            _ if result.is_object() => serialize(&mut out, &all(result), ""),
            _ => out.push_str(&format!("{}\n", py_str(result))),
        }
    }
    out
}

/// default.j2's `serialize` macro.
fn serialize(out: &mut String, pairs: &[(String, Value)], prefix: &str) {
    for (k, v) in pairs {
        match v {
            Value::Object(o) => {
                out.push_str(&format!("{prefix}{k} : \n"));
                let inner: Vec<(String, Value)> =
                    o.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                serialize(out, &inner, &format!("{prefix}  "));
            }
            Value::String(s) if s.trim().lines().count() > 1 => {
                out.push_str(&format!("{prefix}{k} : \n{prefix}  {}\n", s.trim()));
            }
            other => out.push_str(&format!("{prefix}{k} : {}\n", py_str(other).trim())),
        }
    }
}

/// Python's truthiness of a decoded JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `str()` of a decoded JSON value, as Python prints it.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// `repr()` of a decoded JSON value, as Python prints it (jsonschema's
/// messages and Jinja's output use it).
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            _ => n.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_fails_on_unknown_names_lenient_does_not() {
        let ctx = json!({"execution": {"id": "1"}});
        assert_eq!(render_lenient("{{ execution.nope }}x", &ctx).unwrap(), "x");
        assert!(render_strict("{{ nope.deeper }}", &ctx).is_err());
    }

    fn alias(result: Value) -> Alias {
        serde_json::from_value(json!({"name": "n", "pack": "p", "action_ref": "p.a", "formats": ["x"], "result": result})).unwrap()
    }

    #[test]
    fn chatops_result_follows_the_alias() {
        let exec = json!({"id": "e1", "status": "succeeded", "action": {"ref": "p.a"},
            "parameters": {"name": "bob"}, "result": {"stdout": "hello bob"}});
        let a = alias(
            json!({"format": "Greeting done: {{ execution.result.stdout }}", "extra": {"color": "{{ execution.status }}"}}),
        );
        assert_eq!(
            chatops_result(Some(&a), &exec),
            ResultMessage::Formatted {
                text: "Greeting done: hello bob".into(),
                extra: json!({"color": "succeeded"})
            }
        );
        let off = alias(json!({"enabled": false}));
        assert_eq!(chatops_result(Some(&off), &exec), ResultMessage::Disabled);
        let plain = chatops_result(None, &exec);
        assert!(matches!(plain, ResultMessage::Default { .. }));
        assert!(plain.text().unwrap().contains("Action p.a completed."));
    }

    #[test]
    fn default_message_lists_the_result_as_the_chatops_pack_does() {
        let exec = json!({"id": "e1", "status": "succeeded", "action": {"ref": "a.b"},
            "runner": {"name": "local-shell-cmd"}, "web_url": "https://st2/#/history/e1/general",
            "elapsed_seconds": 75.0,
            "result": {"failed": false, "succeeded": true, "return_code": 0, "stdout": "hi", "stderr": ""}});
        let out = default_result_message(&exec);
        assert_eq!(
            out,
            "Action a.b completed.\nstatus : succeeded\nexecution: e1\nweb_url: https://st2/#/history/e1/general\nTook 1m15s to complete.\nresult :\n--------\nstdout : hi\n"
        );
        let http = json!({"id": "e2", "status": "failed", "action": {"ref": "a.h"}, "runner": {"name": "http-request"},
            "result": {"status_code": 500, "body": "line one\nline two", "headers": {"x": true}}});
        let out = default_result_message(&http);
        assert!(
            out.contains(
                "status_code : 500\nbody : \n  line one\nline two\nheaders : \n  x : True\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn python_prints_values_its_way() {
        assert_eq!(
            py_repr(&json!({"a": [1, null, true, "x"], "f": 2.0})),
            "{'a': [1, None, True, 'x'], 'f': 2.0}"
        );
        assert_eq!(py_str(&json!("text")), "text");
    }
}
