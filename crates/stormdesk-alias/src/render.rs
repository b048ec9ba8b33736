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
            text: render_lenient(DEFAULT_RESULT_TEMPLATE, &ctx).unwrap_or_else(|e| e),
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
    env.add_filter("to_human_time_from_seconds", |secs: f64| -> String {
        let s = secs.max(0.0);
        if s < 60.0 {
            format!("{}s", s.round() as u64)
        } else if s < 3600.0 {
            format!("{}m{}s", (s / 60.0) as u64, (s % 60.0).round() as u64)
        } else {
            format!("{}h{}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
        }
    });
    env
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
/// aliases without a `result.format`.
pub const DEFAULT_RESULT_TEMPLATE: &str = "Action {{ execution.action.ref }} completed.
status : {{ execution.status }}
execution: {{ execution.id }}
{% if execution.web_url %}web_url: {{ execution.web_url }}
{% endif %}{% if execution.elapsed_seconds %}Took {{ execution.elapsed_seconds | to_human_time_from_seconds }} to complete.
{% endif %}{% if execution.result %}result :
--------
{% for key, value in execution.result | items %}{% if value or value == 0 %}{{ key }} : {{ value }}
{% endif %}{% endfor %}{% endif %}";

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
    fn default_template_lists_the_result() {
        let ctx = json!({"execution": {"id": "e1", "status": "succeeded", "action": {"ref": "a.b"},
            "elapsed_seconds": 75.0, "result": {"stdout": "hi", "stderr": "", "return_code": 0}}});
        let out = render_lenient(DEFAULT_RESULT_TEMPLATE, &ctx).unwrap();
        assert!(out.contains("Action a.b completed."), "{out}");
        assert!(out.contains("Took 1m15s"), "{out}");
        assert!(out.contains("stdout : hi"), "{out}");
        assert!(!out.contains("stderr"), "{out}");
    }
}
