//! Profiles: defaults → the st2 CLI's config file → Stormdesk's own config
//! file → `ST2_*` environment, the way the st2 CLI layers them. Stormdesk's
//! file never holds a secret; the st2 CLI's file may (it is the user's own),
//! and what it holds is handed back separately as [`SecretSources`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ClientError;
use crate::secret::Secret;

mod profile;
mod sources;
mod st2_ini;
mod stormdesk_file;
mod url_policy;

pub use profile::*;
pub use sources::*;
use st2_ini::*;
pub use stormdesk_file::*;
pub use url_policy::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_install_has_its_own_route_and_keeps_it() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ra = personal_route(a.path()).unwrap();
        assert!(
            ra.starts_with("stormdesk-") && ra.len() == "stormdesk-".len() + 16,
            "{ra}"
        );
        assert_eq!(personal_route(a.path()).unwrap(), ra, "kept across starts");
        assert_ne!(
            personal_route(b.path()).unwrap(),
            ra,
            "another install, another route"
        );
        let p = Profile::new("p").with_personal_route(Some(a.path()));
        assert_eq!(p.stream_route, ra);
        let mut chosen = Profile::new("p");
        chosen.stream_route = "team-desk".into();
        assert_eq!(
            chosen.with_personal_route(Some(a.path())).stream_route,
            "team-desk"
        );
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_repeated() {
        for bad in [
            "https://bob:hunter2@st2.example",
            "https://bob@st2.example/",
            "http://:hunter2@st2.example:8080/x",
        ] {
            let e = check_server_url(bad).unwrap_err().to_string();
            assert!(
                e.contains("user name or password") && !e.contains("hunter2") && !e.contains("bob"),
                "{e}"
            );
        }
        let e = check_server_url("https://bob:hunter2@")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        let p = Profile::for_base_url("p", "https://bob:hunter2@st2.example");
        let e = p.endpoints().unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(redact_url("https://a:b@h/p@q"), "https://***@h/p@q");
        assert_eq!(redact_url("https://h/p@q"), "https://h/p@q");
        assert!(check_server_url("https://st2.example").is_ok());
    }

    #[test]
    fn plain_http_is_warned_about_except_on_this_machine() {
        let w = |s: &str| plain_http_warning(&Url::parse(s).unwrap());
        assert!(w("http://st2.example").unwrap().contains("unencrypted"));
        assert!(w("http://10.0.0.5:8080/api").is_some());
        for ok in [
            "https://st2.example",
            "http://127.0.0.1:8080",
            "http://localhost:9101",
            "http://[::1]:80",
        ] {
            assert_eq!(w(ok), None, "{ok}");
        }
    }

    #[test]
    fn writing_keeps_the_users_comments_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# Stormdesk profiles (hand-edited)\n\
default_profile = \"work\"\n\
\n\
# the production StackStorm\n\
[profiles.work]\n\
base_url = \"https://st2.example\"   # via the VPN\n\
username = \"ann\"\n\
insecure = false\n\
\n\
[profiles.old]\n\
base_url = \"https://old.example\"\n";
        std::fs::write(&path, original).unwrap();
        let mut f = StormdeskFile::read(&path).unwrap();
        f.profiles.remove("old");
        let work = f.profiles.get_mut("work").unwrap();
        work.username = Some("bob".into());
        work.insecure = None;
        f.profiles.insert(
            "lab".into(),
            FileProfile {
                base_url: Some("http://127.0.0.1:9101".into()),
                ..FileProfile::default()
            },
        );
        f.default_profile = Some("lab".into());
        f.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for kept in [
            "# Stormdesk profiles (hand-edited)",
            "# the production StackStorm",
            "base_url = \"https://st2.example\"   # via the VPN",
        ] {
            assert!(text.contains(kept), "{kept:?} lost:\n{text}");
        }
        assert!(!text.contains("old.example"), "{text}");
        assert!(!text.contains("insecure"), "{text}");
        let back = StormdeskFile::parse(&text).unwrap();
        assert_eq!(back.default_profile.as_deref(), Some("lab"));
        assert_eq!(back.profiles["work"].username.as_deref(), Some("bob"));
        assert_eq!(
            back.profiles["lab"].base_url.as_deref(),
            Some("http://127.0.0.1:9101")
        );
        assert_eq!(back.profiles.len(), 2);
        // A new file is written whole, and reads back the same.
        let fresh = dir.path().join("new.toml");
        back.write(&fresh).unwrap();
        let again = StormdeskFile::read(&fresh).unwrap();
        assert_eq!(again.profiles["work"].username.as_deref(), Some("bob"));
    }

    fn sources(
        dir: &Path,
        st2: Option<&str>,
        file: Option<&str>,
        env: &[(&str, &str)],
    ) -> ConfigSources {
        let st2_file = st2.map(|t| {
            let p = dir.join("st2.ini");
            std::fs::write(&p, t).unwrap();
            p
        });
        let stormdesk_file = file.map(|t| {
            let p = dir.join("config.toml");
            std::fs::write(&p, t).unwrap();
            p
        });
        ConfigSources {
            stormdesk_file,
            st2_file,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn urls_derive_from_base_url_like_stackstorm_behind_nginx() {
        let p = Profile::for_base_url("x", "https://st2.example.com/");
        let e = p.endpoints().unwrap();
        assert_eq!(e.api.as_str(), "https://st2.example.com/api/v1");
        assert_eq!(e.auth.as_str(), "https://st2.example.com/auth/v1");
        assert_eq!(e.stream.as_str(), "https://st2.example.com/stream/v1");
        assert!(Profile::new("none")
            .endpoints()
            .unwrap_err()
            .to_string()
            .contains("no StackStorm URL"));
        assert!(Profile::for_base_url("x", "ftp://h").endpoints().is_err());
        assert!(Profile::for_base_url("x", "not a url").endpoints().is_err());
    }

    #[test]
    fn st2_cli_file_then_stormdesk_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let st2 = "[general]\nbase_url = https://from-st2\napi_version = v1\ncacert = /etc/ca.pem\n\n[api]\nurl = https://from-st2/api/v1\n\n[credentials]\nusername = alice\npassword = p4ss\n";
        let s = sources(dir.path(), Some(st2), None, &[]);
        let (p, secrets) = s.load(None).unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.base_url.as_deref(), Some("https://from-st2"));
        assert_eq!(p.api_url.as_deref(), Some("https://from-st2/api/v1"));
        assert_eq!(p.cacert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(p.username.as_deref(), Some("alice"));
        assert_eq!(secrets.password.as_ref().map(Secret::expose), Some("p4ss"));
        assert!(
            !format!("{p:?}{secrets:?}").contains("p4ss"),
            "no secret in Debug"
        );

        let file =
            "[profiles.default]\nbase_url = \"https://from-file\"\nstream_route = \"desk\"\n";
        let env = [
            ("ST2_BASE_URL", "https://from-env"),
            ("ST2_AUTH_TOKEN", "tok"),
        ];
        let s = sources(dir.path(), Some(st2), Some(file), &env);
        let (p, secrets) = s.load(None).unwrap();
        assert_eq!(
            p.base_url.as_deref(),
            Some("https://from-env"),
            "environment wins"
        );
        assert_eq!(p.stream_route, "desk", "file over defaults");
        assert_eq!(p.auth, AuthKind::Token);
        assert_eq!(secrets.token.as_ref().map(Secret::expose), Some("tok"));
    }

    #[test]
    fn named_profiles_and_their_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = "default_profile = \"work\"\n[profiles.work]\nbase_url = \"https://work\"\nauth = \"api_key\"\n[profiles.lab]\nbase_url = \"https://lab\"\ninsecure = true\n";
        let st2 = "[general]\nbase_url = https://st2-file\n";
        let s = sources(dir.path(), Some(st2), Some(file), &[]);
        let (p, _) = s.load(None).unwrap();
        assert_eq!(
            (p.name.as_str(), p.base_url.as_deref()),
            ("work", Some("https://work"))
        );
        assert_eq!(p.auth, AuthKind::ApiKey);
        let (p, _) = s.load(Some("lab")).unwrap();
        assert!(p.insecure, "only because the profile says so");
        assert!(!Profile::new("x").insecure);
        let e = s.load(Some("nope")).unwrap_err().to_string();
        assert!(
            e.contains("unknown profile \"nope\"") && e.contains("lab, work"),
            "{e}"
        );
        // The st2 CLI's file only layers under `default` unless asked.
        let (p, _) = s.load(Some("default")).unwrap();
        assert_eq!(p.base_url.as_deref(), Some("https://st2-file"));
    }

    #[test]
    fn broken_and_secret_holding_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (text, want) in [
            (
                "[profiles.a]\nbase_url = \"x\"\npassword = \"hunter2\"\n",
                "secrets are not kept in files",
            ),
            (
                "[profiles.a]\ntoken = \"hunter2\"\n",
                "secrets are not kept in files",
            ),
            ("[profiles.a\n", "config.toml"),
            ("[profiles.a]\nbase_urll = \"typo\"\n", "unknown field"),
        ] {
            let s = sources(dir.path(), None, Some(text), &[]);
            let e = s.load(Some("a")).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let s = sources(dir.path(), Some("this is [not an ini"), None, &[]);
        assert!(s.load(None).is_err());
    }
}
