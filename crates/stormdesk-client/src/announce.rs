//! Whether StackStorm announces results on a route.
//!
//! The chatops pack's notify rules post `st2.announcement__<route>` only for
//! `errbot` (and `hubot`, on `chatops`). Results of executions started with
//! any other `notification_route` are announced only if some rule on
//! `core.st2.generic.notifytrigger` matches that route and runs
//! `chatops.post_result` with it — the `stormdesk` pack's rule does.

use reqwest::Method;
use serde_json::Value;

use crate::{join, ClientError, St2Client};

const NOTIFY_TRIGGER: &str = "core.st2.generic.notifytrigger";

/// Whether one rule (as `GET /api/v1/rules` shows it) announces results on
/// `route`.
pub fn rule_announces(rule: &Value, route: &str) -> bool {
    if rule.get("enabled").and_then(Value::as_bool) == Some(false) {
        return false;
    }
    let trigger = rule["trigger"]["type"]
        .as_str()
        .or_else(|| rule["trigger"]["ref"].as_str());
    if trigger != Some(NOTIFY_TRIGGER) || rule["action"]["ref"] != "chatops.post_result" {
        return false;
    }
    // post_result posts on its `route` parameter (default "chatops").
    let posted_on = rule["action"]["parameters"]["route"]
        .as_str()
        .map(|r| r.split_whitespace().collect::<String>());
    let posts_here = match posted_on.as_deref() {
        Some("{{trigger.route}}") => true,
        Some(fixed) => fixed == route,
        None => route == "chatops",
    };
    posts_here && criteria_match(&rule["criteria"], route)
}

/// The rule's criteria on `trigger.route` (the only field a notify trigger
/// for our executions is told apart by) admit `route`.
fn criteria_match(criteria: &Value, route: &str) -> bool {
    let Some(c) = criteria.as_object() else {
        return true;
    };
    c.iter().all(|(field, crit)| {
        if field != "trigger.route" {
            // A criterion on anything else: cannot tell, so do not count on it.
            return false;
        }
        let pattern = crit["pattern"].as_str().unwrap_or_default();
        match crit["type"].as_str().unwrap_or("equals") {
            "equals" | "eq" => route == pattern,
            "iequals" => route.eq_ignore_ascii_case(pattern),
            "startswith" => route.starts_with(pattern),
            "istartswith" => route.to_lowercase().starts_with(&pattern.to_lowercase()),
            "endswith" => route.ends_with(pattern),
            "contains" => route.contains(pattern),
            "icontains" => route.to_lowercase().contains(&pattern.to_lowercase()),
            "matchwildcard" => wildcard(pattern, route),
            _ => false,
        }
    })
}

/// fnmatch-style `*` and `?`.
fn wildcard(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl St2Client {
    /// The rule that announces results on `route`, if any (its `ref`).
    pub async fn announcing_rule(&self, route: &str) -> Result<Option<String>, ClientError> {
        let mut url = join(&self.endpoints().api, "rules");
        url.query_pairs_mut()
            .append_pair("trigger_type", NOTIFY_TRIGGER)
            .append_pair("limit", "100");
        let resp = self.send(Method::GET, url.clone(), None, None).await?;
        let rules: Vec<Value> = resp.json().await.map_err(|e| ClientError::Malformed {
            what: "rule list".into(),
            detail: e.to_string(),
        })?;
        Ok(rules
            .iter()
            .find(|r| rule_announces(r, route))
            .and_then(|r| r["ref"].as_str())
            .map(str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(criteria: Value, route_param: Option<&str>) -> Value {
        let mut params = json!({"channel": "{{trigger.data.source_channel}}"});
        if let Some(r) = route_param {
            params["route"] = json!(r);
        }
        json!({
            "ref": "x.r", "enabled": true,
            "trigger": {"type": NOTIFY_TRIGGER},
            "criteria": criteria,
            "action": {"ref": "chatops.post_result", "parameters": params},
        })
    }

    #[test]
    fn the_chatops_packs_rules_announce_only_their_own_routes() {
        let errbot = rule(
            json!({"trigger.route": {"pattern": "errbot", "type": "equals"}}),
            Some("{{ trigger.route }}"),
        );
        assert!(rule_announces(&errbot, "errbot"));
        assert!(!rule_announces(&errbot, "stormdesk"));
        // chatops.notify (hubot) passes no route: post_result posts on "chatops".
        let hubot = rule(
            json!({"trigger.route": {"pattern": "hubot", "type": "equals"}}),
            None,
        );
        assert!(!rule_announces(&hubot, "hubot"));
    }

    /// The rule as shipped in `st2-pack/stormdesk` (the API shows the same
    /// fields, plus `ref`).
    fn shipped_rule() -> Value {
        let text = include_str!("../../../st2-pack/stormdesk/rules/notify_stormdesk.yaml");
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        serde_json::to_value(yaml).unwrap()
    }

    #[test]
    fn the_stormdesk_rule_announces_every_stormdesk_route() {
        let ours = shipped_rule();
        assert!(rule_announces(&ours, "stormdesk"));
        assert!(rule_announces(&ours, "stormdesk-work"));
        assert!(!rule_announces(&ours, "errbot"));
        let mut off = ours.clone();
        off["enabled"] = json!(false);
        assert!(!rule_announces(&off, "stormdesk"));
    }

    #[test]
    fn wildcards_and_unknown_criteria() {
        let w = rule(
            json!({"trigger.route": {"pattern": "desk-*", "type": "matchwildcard"}}),
            Some("{{trigger.route}}"),
        );
        assert!(rule_announces(&w, "desk-a"));
        assert!(!rule_announces(&w, "desk"));
        let other = rule(
            json!({"trigger.data.user": {"pattern": "me", "type": "equals"}}),
            Some("{{trigger.route}}"),
        );
        assert!(!rule_announces(&other, "stormdesk"));
    }
}
