//! Against a real Secret Service: gnome-keyring, unlocked, inside its own
//! dbus-run-session (see scripts/test.sh). Ignored unless asked for (`-- --ignored`).

use std::process::Command;

use stormdesk_client::Secret;
use stormdesk_secrets::{profile_account, CredentialStore, KeyringStore};

fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    // keyring v3 files entries under the attributes service + username.
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[ignore = "needs a real Secret Service: scripts/test.sh daemons"]
fn set_get_overwrite_delete_in_the_real_keyring() {
    let store = KeyringStore::new("stormdesk-test");
    let account = profile_account("work");
    let _ = store.delete(&account);
    assert_eq!(store.get(&account).unwrap(), None);

    store
        .set(&account, &Secret::new("Ch@ngeMe ünïcödé 🔑"))
        .unwrap();
    assert_eq!(
        store.get(&account).unwrap(),
        Some(Secret::new("Ch@ngeMe ünïcödé 🔑"))
    );
    // The daemon really holds it: another client reads it back.
    assert_eq!(
        secret_tool_lookup("stormdesk-test", &account).as_deref(),
        Some("Ch@ngeMe ünïcödé 🔑")
    );

    store.set(&account, &Secret::new("second")).unwrap();
    assert_eq!(store.get(&account).unwrap(), Some(Secret::new("second")));

    assert!(store.delete(&account).unwrap());
    assert_eq!(store.get(&account).unwrap(), None);
    assert!(!store.delete(&account).unwrap());
    assert!(secret_tool_lookup("stormdesk-test", &account).is_none());
}

#[test]
#[ignore = "needs a real Secret Service: scripts/test.sh daemons"]
fn profiles_do_not_see_each_others_secrets() {
    let store = KeyringStore::new("stormdesk-test");
    store
        .set(&profile_account("a"), &Secret::new("secret-a"))
        .unwrap();
    store
        .set(&profile_account("b"), &Secret::new("secret-b"))
        .unwrap();
    assert_eq!(
        store.get(&profile_account("a")).unwrap(),
        Some(Secret::new("secret-a"))
    );
    assert_eq!(
        store.get(&profile_account("b")).unwrap(),
        Some(Secret::new("secret-b"))
    );
    store.delete(&profile_account("a")).unwrap();
    store.delete(&profile_account("b")).unwrap();
}
