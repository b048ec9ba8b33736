//! The chatops pack's part: notify rules and the announcement a finished execution
//! makes for its channel.

use super::*;

impl SimState {
    /// The notify rules this server has, as `GET /api/v1/rules` shows them:
    /// the chatops pack's two, and the stormdesk pack's when installed.
    pub fn notify_rules(&self) -> Vec<Value> {
        let rule = |pack: &str,
                    name: &str,
                    file: &str,
                    desc: &str,
                    pattern: &str,
                    ty: &str,
                    route: bool| {
            let mut params = json!({
                "channel": "{{trigger.data.source_channel}}",
                "user": "{{trigger.data.user}}",
                "execution_id": "{{trigger.execution_id}}",
                "context": "{{trigger.data.source_context}}",
            });
            if route {
                params["route"] = json!("{{trigger.route}}");
            }
            let reference = format!("{pack}.{name}");
            json!({
                "tags": [], "uid": format!("rule:{pack}:{name}"), "metadata_file": file,
                "name": name, "ref": reference, "description": desc, "pack": pack,
                "type": {"ref": "standard", "parameters": {}},
                "trigger": {"type": "core.st2.generic.notifytrigger", "parameters": {}, "ref": "core.st2.generic.notifytrigger"},
                "criteria": {"trigger.route": {"pattern": pattern, "type": ty}},
                "action": {"ref": "chatops.post_result", "parameters": params},
                "context": {}, "enabled": true, "id": crate::packs::stable_id("rule", &reference),
            })
        };
        let mut rules = vec![
            rule(
                "chatops",
                "notify",
                "rules/notify_hubot.yaml",
                "Notification rule to send results of action executions to stream for chatops",
                "hubot",
                "equals",
                false,
            ),
            rule(
                "chatops",
                "notify-errbot",
                "rules/notify_errbot.yaml",
                "Notification rule to send results of action executions to stream for errbot.",
                "errbot",
                "equals",
                true,
            ),
        ];
        if self.config.stormdesk_pack {
            rules.push(rule("stormdesk", "notify_stormdesk", "rules/notify_stormdesk.yaml", "Post results of executions started from Stormdesk to the stream (st2.announcement__<route>).", "stormdesk", "startswith", true));
        }
        rules
    }

    /// The route an execution's result is announced on, if a rule takes it.
    pub(crate) fn announced_route(&self, route: &str) -> Option<String> {
        self.notify_rules().iter().find_map(|r| {
            let c = &r["criteria"]["trigger.route"];
            let pattern = c["pattern"].as_str().unwrap_or_default();
            let hit = match c["type"].as_str() {
                Some("startswith") => route.starts_with(pattern),
                _ => route == pattern,
            };
            hit.then(|| {
                r["action"]["parameters"]["route"]
                    .as_str()
                    .map_or("chatops".to_string(), |_| route.to_string())
            })
        })
    }

    /// What the chatops pack's notify rule + `post_result` do: render the
    /// alias's result format and post it on `st2.announcement__<route>`.
    pub(crate) fn announce(&self, exec: &Value) {
        let on_complete = &exec["liveaction"]["notify"]["on-complete"];
        let Some(route) = on_complete["routes"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(Value::as_str)
        else {
            return;
        };
        // Only a notify rule for the route announces; post_result posts on
        // the rule's `route` parameter.
        let Some(route) = self.announced_route(route) else {
            return;
        };
        let data = &on_complete["data"];
        let index = self.index();
        let alias = exec["context"]["action_alias_ref"]["name"]
            .as_str()
            .and_then(|n| index.aliases().iter().find(|a| a.name == n));
        let (message, extra) = match chatops_result(alias, exec) {
            ResultMessage::Disabled => return,
            ResultMessage::Formatted { text, extra } | ResultMessage::Default { text, extra } => {
                (text, extra)
            }
        };
        let payload = json!({
            "extra": extra,
            "context": data["source_context"],
            "message": message,
            "whisper": false,
            "channel": data["source_channel"],
            "user": data["user"],
        });
        self.publish(
            &format!("st2.announcement__{route}"),
            &json!({"payload": payload, "trace_context": null}),
        );
    }
}
