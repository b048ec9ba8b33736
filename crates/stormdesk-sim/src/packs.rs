//! Packs in StackStorm's on-disk layout: `pack.yaml`, `actions/*.yaml`,
//! `aliases/*.yaml`. Actions carry an `x-simulation` block that says what the
//! simulator pretends the action did; nothing is ever executed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use serde_json::{json, Map, Value};
use stormdesk_alias::Alias;

use crate::SimError;

static DEMO_PACKS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/packs");

/// What the simulator does when an action runs. Every field is a Jinja
/// template rendered against the execution's parameters.
#[derive(Debug, Clone, Default)]
pub struct Simulation {
    pub duration_ms: String,
    pub status: Option<String>,
    pub result: Map<String, Value>,
    /// An approval (`core.ask`) the action waits for once running:
    /// `{schema, route, ttl, users, roles}`; templates see the parameters.
    /// The answer is the template variable `answer` afterwards.
    pub ask: Option<Value>,
    /// A workflow's tasks, run one after the other over the rest of its
    /// run as child executions (what real StackStorm's workflow engine
    /// shows on the stream).
    pub tasks: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub reference: String,
    pub runner_type: String,
    /// The action as `GET /api/v1/actions` would show it.
    pub api: Value,
    pub parameters: Map<String, Value>,
    pub simulation: Simulation,
}

/// Every pack's actions and aliases.
#[derive(Debug, Clone, Default)]
pub struct PackSet {
    pub packs: Vec<String>,
    pub actions: BTreeMap<String, Action>,
    pub aliases: Vec<Alias>,
}

impl PackSet {
    /// The demo packs shipped inside the binary.
    pub fn demo() -> Self {
        let mut files = Vec::new();
        collect_embedded(&DEMO_PACKS, &mut files);
        Self::from_files(files).expect("the embedded demo packs are valid")
    }

    /// A directory holding packs, or one pack directory.
    pub fn load_dir(dir: &Path) -> Result<Self, SimError> {
        if !dir.is_dir() {
            return Err(SimError::Packs(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        let mut files = Vec::new();
        collect_fs(dir, dir, &mut files)?;
        let set = Self::from_files(files)?;
        if set.packs.is_empty() {
            return Err(SimError::Packs(format!(
                "no pack.yaml under {}",
                dir.display()
            )));
        }
        Ok(set)
    }

    fn from_files(mut files: Vec<(PathBuf, String)>) -> Result<Self, SimError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut set = PackSet::default();
        // Pack roots and their names.
        let mut roots: BTreeMap<PathBuf, String> = BTreeMap::new();
        for (path, text) in &files {
            if path.file_name().and_then(|n| n.to_str()) == Some("pack.yaml") {
                let meta = yaml(path, text)?;
                let name = meta
                    .get("ref")
                    .or_else(|| meta.get("name"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(path, "pack.yaml has neither ref nor name"))?;
                let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
                roots.insert(root, name.to_string());
                set.packs.push(name.to_string());
            }
        }
        for (path, text) in &files {
            let Some(kind_dir) = path.parent() else {
                continue;
            };
            let kind = kind_dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let Some(pack) = kind_dir.parent().and_then(|r| roots.get(r)) else {
                continue;
            };
            let is_yaml = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml") | Some("yml")
            );
            if !is_yaml {
                continue;
            }
            let rel = format!(
                "{kind}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            match kind {
                "actions" => {
                    let a = action(path, text, pack, &rel)?;
                    set.actions.insert(a.reference.clone(), a);
                }
                "aliases" => set.aliases.push(alias(path, text, pack, &rel)?),
                _ => {}
            }
        }
        // A pack that real StackStorm also loads keeps its simulations in
        // `simulation.yaml` at its root (real StackStorm refuses unknown
        // keys such as `x-simulation` in an action's metadata).
        for (path, text) in &files {
            let Some(pack) = path.parent().and_then(|r| roots.get(r)) else {
                continue;
            };
            if path.file_name().and_then(|n| n.to_str()) != Some("simulation.yaml") {
                continue;
            }
            let sims = yaml(path, text)?;
            let sims = sims.as_object().ok_or_else(|| {
                invalid(path, "simulation.yaml must map action names to simulations")
            })?;
            for (name, sim) in sims {
                let action = set
                    .actions
                    .get_mut(&format!("{pack}.{name}"))
                    .ok_or_else(|| invalid(path, &format!("no action {pack}.{name}")))?;
                action.simulation = simulation(sim);
            }
        }
        set.aliases
            .sort_by(|a, b| (&a.pack, &a.name).cmp(&(&b.pack, &b.name)));
        for a in &set.aliases {
            if !set.actions.contains_key(&a.action_ref) {
                tracing::warn!(alias = %a.reference(), action = %a.action_ref, "alias points at an unknown action");
            }
        }
        Ok(set)
    }
}

fn invalid(path: &Path, reason: &str) -> SimError {
    SimError::Packs(format!("{}: {reason}", path.display()))
}

fn yaml(path: &Path, text: &str) -> Result<Value, SimError> {
    let v: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| invalid(path, &e.to_string()))?;
    serde_json::to_value(v).map_err(|e| invalid(path, &e.to_string()))
}

/// A stable 24-hex id, like a Mongo ObjectId, from a name.
pub fn stable_id(kind: &str, reference: &str) -> String {
    // FNV-1a: stable across runs and platforms, unlike DefaultHasher.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in kind.bytes().chain([0]).chain(reference.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("5f{:022x}", u128::from(h) << 16 | 0x5d)
}

/// One action's `x-simulation` block (or its entry in `simulation.yaml`).
fn simulation(sim: &Value) -> Simulation {
    Simulation {
        duration_ms: match sim.get("duration_ms") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "500".into(),
        },
        status: sim
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_string),
        result: sim
            .get("result")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        ask: sim.get("ask").filter(|a| a.is_object()).cloned(),
        tasks: sim
            .get("tasks")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn action(path: &Path, text: &str, pack: &str, rel: &str) -> Result<Action, SimError> {
    let mut v = yaml(path, text)?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| invalid(path, "an action must be a mapping"))?;
    let sim = obj.remove("x-simulation").unwrap_or(Value::Null);
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(path, "action has no name"))?
        .to_string();
    let runner_type = obj
        .get("runner_type")
        .and_then(Value::as_str)
        .unwrap_or("local-shell-cmd")
        .to_string();
    let reference = format!("{pack}.{name}");
    obj.insert("pack".into(), json!(pack));
    obj.insert("ref".into(), json!(reference));
    obj.insert("uid".into(), json!(format!("action:{pack}:{name}")));
    obj.insert("id".into(), json!(stable_id("action", &reference)));
    obj.insert("metadata_file".into(), json!(rel));
    obj.entry("enabled").or_insert(json!(true));
    obj.entry("tags").or_insert(json!([]));
    obj.entry("output_schema").or_insert(json!({}));
    obj.entry("notify").or_insert(json!({}));
    let parameters = obj
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let simulation = simulation(&sim);
    Ok(Action {
        reference,
        runner_type,
        api: v,
        parameters,
        simulation,
    })
}

fn alias(path: &Path, text: &str, pack: &str, rel: &str) -> Result<Alias, SimError> {
    let mut v = yaml(path, text)?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| invalid(path, "an alias must be a mapping"))?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(path, "alias has no name"))?
        .to_string();
    let reference = format!("{pack}.{name}");
    obj.insert("pack".into(), json!(pack));
    obj.insert("ref".into(), json!(reference));
    obj.insert("uid".into(), json!(format!("action_alias:{pack}:{name}")));
    obj.insert("id".into(), json!(stable_id("alias", &reference)));
    obj.insert("metadata_file".into(), json!(rel));
    obj.entry("description").or_insert(json!(""));
    obj.entry("enabled").or_insert(json!(true));
    obj.entry("extra").or_insert(json!({}));
    obj.entry("immutable_parameters").or_insert(json!({}));
    serde_json::from_value(v).map_err(|e| invalid(path, &e.to_string()))
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<(PathBuf, String)>) {
    for f in dir.files() {
        if let Some(text) = f.contents_utf8() {
            out.push((f.path().to_path_buf(), text.to_string()));
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn collect_fs(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) -> Result<(), SimError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| SimError::Packs(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| SimError::Packs(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        if path.is_dir() {
            collect_fs(root, &path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml") | Some("yml")
        ) {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| SimError::Packs(format!("{}: {e}", path.display())))?;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            // A pack directory given directly has pack.yaml at its root.
            out.push((rel, text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_packs_load_with_the_seed_examples() {
        let set = PackSet::demo();
        let refs: Vec<String> = set.aliases.iter().map(|a| a.reference()).collect();
        for want in [
            "livestatus.state_overview",
            "custom_linux.genpass",
            "errbot_test.notify_errbot_test",
        ] {
            assert!(
                refs.contains(&want.to_string()),
                "{want} missing from {refs:?}"
            );
        }
        assert!(set.aliases.len() >= 15);
        assert!(set.aliases.iter().any(|a| !a.enabled));
        for a in &set.aliases {
            assert!(
                set.actions.contains_key(&a.action_ref),
                "{} has no action",
                a.name
            );
        }
    }

    #[test]
    fn stable_ids_are_24_hex() {
        let id = stable_id("alias", "ops.echo");
        assert_eq!(id.len(), 24);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, stable_id("alias", "ops.ping"));
    }
}
