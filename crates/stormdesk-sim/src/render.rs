//! Jinja rendering, as StackStorm renders alias `ack`/`result` formats.

use minijinja::{Environment, UndefinedBehavior, Value as JValue};
use serde_json::Value;

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
