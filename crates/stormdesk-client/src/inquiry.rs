//! An inquiry's JSON schema as a form: its fields, and an answer built from
//! `key=value` words (the CLI, a chat's `!st2 respond`) or JSON, checked
//! before it is sent. StackStorm checks it again; its reason wins.
//!
//! StackStorm's own schemas mark required fields the draft-3 way
//! (`"required": true` on the property, as `core.ask`'s default does); the
//! draft-4 list (`"required": ["a"]` on the object) is read too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of value a field takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "choices", rename_all = "snake_case")]
pub enum FieldType {
    String,
    Boolean,
    Integer,
    Number,
    /// One of these strings.
    Choice(Vec<String>),
    /// Anything else (an object, an array): given as JSON.
    Json,
}

/// One field of an inquiry's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Field {
    pub name: String,
    #[serde(flatten)]
    pub kind: FieldType,
    pub required: bool,
    pub description: Option<String>,
    #[ts(type = "unknown")]
    pub default: Option<Value>,
}

/// The fields of `schema`, in the schema's order.
pub fn fields(schema: &Value) -> Vec<Field> {
    let required_list: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let kind = match p.get("enum").and_then(Value::as_array) {
                Some(choices) => FieldType::Choice(
                    choices
                        .iter()
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string))
                        .collect(),
                ),
                None => match type_name(p) {
                    Some("string") => FieldType::String,
                    Some("boolean") => FieldType::Boolean,
                    Some("integer") => FieldType::Integer,
                    Some("number") => FieldType::Number,
                    _ => FieldType::Json,
                },
            };
            Field {
                name: name.clone(),
                kind,
                required: p.get("required").and_then(Value::as_bool) == Some(true)
                    || required_list.contains(&name.as_str()),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                default: p.get("default").cloned(),
            }
        })
        .collect()
}

/// `"type": "x"` or `"type": ["x", "null"]`.
fn type_name(p: &Value) -> Option<&str> {
    match p.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// An answer from `key=value` words, each value read as its field's type.
pub fn answer_from_pairs(fields: &[Field], pairs: &[String]) -> Result<Map<String, Value>, String> {
    let mut answer = Map::new();
    for pair in pairs {
        let (key, raw) = pair
            .split_once('=')
            .ok_or_else(|| format!("\"{pair}\" is not key=value"))?;
        let field = fields.iter().find(|f| f.name == key).ok_or_else(|| {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            format!("no field \"{key}\" (the fields are: {})", names.join(", "))
        })?;
        answer.insert(key.to_string(), read_value(field, raw)?);
    }
    check_answer(fields, &answer)?;
    Ok(answer)
}

/// One value as `field` takes it.
pub fn read_value(field: &Field, raw: &str) -> Result<Value, String> {
    let bad = |what: &str| format!("{}: \"{raw}\" is not {what}", field.name);
    Ok(match &field.kind {
        FieldType::String => Value::String(raw.to_string()),
        FieldType::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Value::Bool(true),
            "false" | "no" | "n" | "0" => Value::Bool(false),
            _ => return Err(bad("yes or no (true/false)")),
        },
        FieldType::Integer => Value::from(raw.parse::<i64>().map_err(|_| bad("a whole number"))?),
        FieldType::Number => {
            serde_json::Number::from_f64(raw.parse().map_err(|_| bad("a number"))?)
                .map(Value::Number)
                .ok_or_else(|| bad("a finite number"))?
        }
        FieldType::Choice(choices) => {
            if !choices.iter().any(|c| c == raw) {
                return Err(format!(
                    "{}: \"{raw}\" is not one of {}",
                    field.name,
                    choices.join(", ")
                ));
            }
            Value::String(raw.to_string())
        }
        FieldType::Json => serde_json::from_str(raw).map_err(|_| bad("JSON"))?,
    })
}

/// Every required field present, every value of its field's type. Fields
/// the schema does not name are left for StackStorm to judge.
pub fn check_answer(fields: &[Field], answer: &Map<String, Value>) -> Result<(), String> {
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && !answer.contains_key(&f.name))
        .map(|f| f.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!("required: {}", missing.join(", ")));
    }
    for f in fields {
        let Some(v) = answer.get(&f.name) else {
            continue;
        };
        let ok = match &f.kind {
            FieldType::String => v.is_string(),
            FieldType::Boolean => v.is_boolean(),
            FieldType::Integer => v.is_i64() || v.is_u64(),
            FieldType::Number => v.is_number(),
            FieldType::Choice(c) => v.as_str().is_some_and(|s| c.iter().any(|x| x == s)),
            FieldType::Json => true,
        };
        // An optional field may be sent as null (StackStorm's own schemas
        // make optional strings nullable).
        let null_allowed = v.is_null() && !f.required;
        if !ok && !null_allowed {
            return Err(format!("{}: {v} is not {}", f.name, describe(&f.kind)));
        }
    }
    Ok(())
}

fn describe(kind: &FieldType) -> String {
    match kind {
        FieldType::String => "text".into(),
        FieldType::Boolean => "true or false".into(),
        FieldType::Integer => "a whole number".into(),
        FieldType::Number => "a number".into(),
        FieldType::Choice(c) => format!("one of {}", c.join(", ")),
        FieldType::Json => "JSON".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The schema of the conformance pack's `approve` workflow, as real
    /// StackStorm lists it.
    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "approved": {"type": "boolean", "description": "Deploy web?", "required": true},
            "reason": {"type": "string", "description": "Why"},
            "copies": {"type": "integer", "description": "How many copies", "default": 1},
            "colour": {"type": "string", "description": "Colour", "enum": ["red", "green", "blue"]}
        }})
    }

    #[test]
    fn a_schema_becomes_fields_with_types_required_and_defaults() {
        let f = fields(&schema());
        let names: Vec<_> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["approved", "reason", "copies", "colour"]);
        assert_eq!(f[0].kind, FieldType::Boolean);
        assert!(f[0].required && !f[1].required);
        assert_eq!(f[2].default, Some(json!(1)));
        assert_eq!(
            f[3].kind,
            FieldType::Choice(vec!["red".into(), "green".into(), "blue".into()])
        );
        // The draft-4 list, and a nullable type.
        let f =
            fields(&json!({"required": ["a"], "properties": {"a": {"type": ["number", "null"]}}}));
        assert!(f[0].required);
        assert_eq!(f[0].kind, FieldType::Number);
    }

    #[test]
    fn fields_survive_a_trip_through_json() {
        // History keeps them; the UI builds its form from them.
        let f = fields(&schema());
        let text = serde_json::to_string(&f).unwrap();
        assert!(
            text.contains(r#""type":"choice","choices":["red","green","blue"]"#),
            "{text}"
        );
        let back: Vec<Field> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn words_are_read_as_their_fields_types() {
        let f = fields(&schema());
        let a = answer_from_pairs(
            &f,
            &[
                "approved=yes".into(),
                "copies=2".into(),
                "colour=red".into(),
                "reason=a=b".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            Value::Object(a),
            json!({"approved": true, "copies": 2, "colour": "red", "reason": "a=b"})
        );
    }

    #[test]
    fn a_wrong_answer_says_what_is_wrong_before_anything_is_sent() {
        let f = fields(&schema());
        let err = |p: &[&str]| {
            answer_from_pairs(&f, &p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_err()
        };
        assert_eq!(err(&["reason=x"]), "required: approved");
        assert_eq!(
            err(&["approved=maybe"]),
            "approved: \"maybe\" is not yes or no (true/false)"
        );
        assert_eq!(
            err(&["approved=y", "copies=2.5"]),
            "copies: \"2.5\" is not a whole number"
        );
        assert_eq!(
            err(&["approved=y", "colour=pink"]),
            "colour: \"pink\" is not one of red, green, blue"
        );
        assert!(err(&["approved=y", "size=3"]).starts_with("no field \"size\""));
        assert_eq!(err(&["approved"]), "\"approved\" is not key=value");
        let mut json_answer = Map::new();
        json_answer.insert("approved".into(), json!("yes"));
        assert_eq!(
            check_answer(&f, &json_answer).unwrap_err(),
            "approved: \"yes\" is not true or false"
        );
    }
}
