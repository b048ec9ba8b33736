//! Where the socket lives and who may reach it: a directory that is the user's
//! alone, a socket file that is ours, and the lock that says which desk runs.

use super::*;

pub(crate) fn me() -> u32 {
    nix::unistd::Uid::current().as_raw()
}

/// `dir` as the socket may live in it: made `0700` if missing; refused if
/// it is a link, not a directory, not this user's, or open to others.
/// Its parent must be this user's or root's (a directory another user owns
/// could swap ours for theirs).
pub(crate) fn private_dir(dir: &Path) -> Result<(), DeskError> {
    let bad = |why: String| {
        DeskError::Link(format!(
            "{} {why}; refused (the desk's socket lives only in a directory that is yours alone)",
            dir.display()
        ))
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        match std::fs::symlink_metadata(parent) {
            Ok(m) if m.uid() != me() && m.uid() != 0 => {
                return Err(bad(format!(
                    "is in {}, which another user owns",
                    parent.display()
                )))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|e| bad(format!("cannot be made: {e}")))?;
            }
            Err(e) => return Err(bad(format!("cannot be read: {e}"))),
        }
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(bad(format!("cannot be made: {e}"))),
    }
    let m = std::fs::symlink_metadata(dir).map_err(|e| bad(format!("cannot be read: {e}")))?;
    if m.file_type().is_symlink() || !m.is_dir() {
        return Err(bad("is not a directory (a link, or a file)".into()));
    }
    if m.uid() != me() {
        return Err(bad(format!("belongs to another user (uid {})", m.uid())));
    }
    if m.mode() & 0o077 != 0 {
        return Err(bad(format!(
            "is open to others (mode {:o})",
            m.mode() & 0o777
        )));
    }
    Ok(())
}

/// Before a front end sends anything: the socket is one, it is this
/// user's, and so is its directory.
pub(crate) fn own_socket(path: &Path) -> Result<(), DeskError> {
    if let Some(dir) = path.parent() {
        let m = std::fs::symlink_metadata(dir).map_err(|e| {
            DeskError::Link(format!(
                "Stormdesk is not running (nothing answers at {}): {e}",
                path.display()
            ))
        })?;
        if m.file_type().is_symlink() || m.uid() != me() || m.mode() & 0o077 != 0 {
            return Err(DeskError::Link(format!(
                "{} is not a directory that is yours alone; nothing was sent to the socket in it",
                dir.display()
            )));
        }
    }
    let m = std::fs::symlink_metadata(path).map_err(|e| {
        DeskError::Link(format!(
            "Stormdesk is not running (nothing answers at {}): {e}",
            path.display()
        ))
    })?;
    if !m.file_type().is_socket() || m.uid() != me() {
        return Err(DeskError::Link(format!(
            "{} is not your Stormdesk's socket (another user's, or not a socket); nothing was sent",
            path.display()
        )));
    }
    Ok(())
}

/// Where the desk listens: `STORMDESK_SOCKET` when set (tests, several
/// desks side by side), else `$XDG_RUNTIME_DIR/stormdesk/desk.sock`, else a
/// per-user directory under the temporary directory.
pub fn default_socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STORMDESK_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        // Named by uid, checked like the rest (`private_dir`): anyone may
        // make a directory in /tmp first.
        .unwrap_or_else(|| std::env::temp_dir().join(format!("stormdesk-{}", me())));
    base.join("stormdesk").join("desk.sock")
}

/// The lock beside the socket that says which desk runs.
pub(crate) fn lock_path(socket: &Path) -> PathBuf {
    let mut name = socket.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    socket.with_file_name(name)
}

pub(crate) fn try_lock(path: &Path) -> Result<Option<nix::fcntl::Flock<std::fs::File>>, DeskError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| DeskError::Link(format!("cannot open the lock {}: {e}", path.display())))?;
    match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(l) => Ok(Some(l)),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, e)) => Err(DeskError::Link(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// The socket file's identity, to remove only our own.
pub(crate) fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Remove the socket at `path` only if it is the one made as `made`.
pub(crate) fn remove_own(path: &Path, made: (u64, u64)) {
    if identity(path) == Some(made) {
        let _ = std::fs::remove_file(path);
    }
}
