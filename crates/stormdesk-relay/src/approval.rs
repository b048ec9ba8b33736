//! Who may answer an inquiry (`!st2 respond ID …`) from chat. The relay
//! answers with its owner's StackStorm credentials, so a chat user is never
//! more than the StackStorm user the owner mapped them to:
//!
//! - only a mapped chat user answers (Settings ▸ Relay: chat user →
//!   StackStorm user, the roles the owner says they hold, approver or not);
//! - only when that user may: named in the inquiry's `users`, or holding
//!   one of its `roles` (as the owner says: StackStorm's RBAC cannot be read
//!   by a non-admin); an inquiry naming neither is answered only by
//!   approvers;
//! - nobody approves their own request: whoever started the workflow that
//!   asks (the chat user, or the StackStorm user they map to, which is the
//!   desk's own for what the pane and the CLI run) cannot answer it.
//!
//! Pure: the caller reads the inquiry and its workflow from StackStorm.

use std::collections::BTreeSet;

use stormdesk_client::model::Inquiry;

/// A chat user as the StackStorm user the desk's owner says they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatIdentity {
    pub st2_user: String,
    /// StackStorm roles the owner says this user holds.
    pub roles: BTreeSet<String>,
    /// May answer an inquiry that names neither users nor roles.
    pub approver: bool,
}

/// Who asks to answer, as the chat service told it.
#[derive(Debug, Clone, Copy)]
pub struct Answerer<'a> {
    /// `slack:U…` / `teams:29:…`.
    pub chat_user: &'a str,
    /// The name the chat shows, if it gave one.
    pub name: Option<&'a str>,
    pub identity: Option<&'a ChatIdentity>,
}

/// Whether `who` may answer `inquiry`, whose workflow was started by
/// `requested_by` (StackStorm's `api_user` at the workflow's root). The
/// refusal is the sentence said in the conversation.
pub fn may_answer(
    who: Answerer<'_>,
    inquiry: &Inquiry,
    requested_by: Option<&str>,
) -> Result<(), String> {
    let name = who.name.unwrap_or(who.chat_user);
    let id = &inquiry.id;
    let Some(identity) = who.identity else {
        return Err(format!(
            "Sorry, {name} cannot answer approvals from chat: this desk's owner has not said which StackStorm user {name} is (Settings ▸ Relay ▸ chat users as StackStorm users)."
        ));
    };
    let st2 = identity.st2_user.as_str();
    // Separation of duties, before anything else: the one who asked does
    // not approve, whoever else they may be.
    if let Some(r) = requested_by {
        if r == who.chat_user || Some(r) == who.name || r == st2 {
            return Err(format!(
                "Sorry, {name} may not answer inquiry {id}: {name} started the workflow that asks, and nobody approves their own request."
            ));
        }
    }
    if inquiry.users.is_empty() && inquiry.roles.is_empty() {
        if identity.approver {
            return Ok(());
        }
        return Err(format!(
            "Sorry, {name} may not answer inquiry {id}: it names no users or roles, so from chat only approvers answer it."
        ));
    }
    let named = inquiry.users.iter().any(|u| u == st2);
    let holds = inquiry.roles.iter().any(|r| identity.roles.contains(r));
    if named || holds {
        return Ok(());
    }
    let mut asks = Vec::new();
    if !inquiry.users.is_empty() {
        asks.push(format!("users {}", inquiry.users.join(", ")));
    }
    if !inquiry.roles.is_empty() {
        asks.push(format!("roles {}", inquiry.roles.join(", ")));
    }
    Err(format!(
        "Sorry, {name} (StackStorm user {st2}) may not answer inquiry {id}: it asks for {}.",
        asks.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inquiry(users: &[&str], roles: &[&str]) -> Inquiry {
        Inquiry {
            id: "q1".into(),
            route: "stormdesk".into(),
            ttl: Some(30),
            users: users.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            schema: serde_json::Value::Null,
        }
    }

    fn ann(roles: &[&str], approver: bool) -> ChatIdentity {
        ChatIdentity {
            st2_user: "ann".into(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            approver,
        }
    }

    fn who<'a>(identity: Option<&'a ChatIdentity>) -> Answerer<'a> {
        Answerer {
            chat_user: "slack:UANN",
            name: Some("Ann"),
            identity,
        }
    }

    #[test]
    fn only_a_mapped_user_answers() {
        let e = may_answer(who(None), &inquiry(&[], &[]), None).unwrap_err();
        assert!(
            e.contains("has not said which StackStorm user Ann is"),
            "{e}"
        );
    }

    #[test]
    fn users_and_roles_are_the_mapped_users() {
        let plain = ann(&[], false);
        assert!(may_answer(who(Some(&plain)), &inquiry(&["bob", "ann"], &[]), None).is_ok());
        let e = may_answer(who(Some(&plain)), &inquiry(&["bob"], &["ops"]), None).unwrap_err();
        assert_eq!(
            e,
            "Sorry, Ann (StackStorm user ann) may not answer inquiry q1: it asks for users bob or roles ops."
        );
        let ops = ann(&["ops"], false);
        assert!(may_answer(who(Some(&ops)), &inquiry(&["bob"], &["ops"]), None).is_ok());
        assert!(may_answer(who(Some(&ops)), &inquiry(&[], &["release-managers"]), None).is_err());
    }

    #[test]
    fn an_inquiry_naming_nobody_is_answered_by_approvers_only() {
        assert!(may_answer(who(Some(&ann(&[], true))), &inquiry(&[], &[]), None).is_ok());
        let e = may_answer(who(Some(&ann(&["ops"], false))), &inquiry(&[], &[]), None).unwrap_err();
        assert!(e.contains("only approvers"), "{e}");
    }

    #[test]
    fn nobody_approves_their_own_request() {
        let boss = ann(&["release-managers"], true);
        let i = inquiry(&["ann"], &["release-managers"]);
        // Started by this chat user (by id, or by the name the relay sent),
        // or by the StackStorm user they are (the desk's own requests).
        for requester in ["slack:UANN", "Ann", "ann"] {
            let e = may_answer(who(Some(&boss)), &i, Some(requester)).unwrap_err();
            assert!(
                e.contains("nobody approves their own request"),
                "{requester}: {e}"
            );
        }
        assert!(may_answer(who(Some(&boss)), &i, Some("bob")).is_ok());
    }
}
