//! The text of a config file: read from disk, decoded (UTF-8, or UTF-16 with a BOM), and when
//! that cannot be done, why, in words that say what to do (a folder given, a missing file, a
//! symbolic link to nothing, no permission, a database or spreadsheet given by mistake, GBK).
//!
//! With `cache.rs`, the only file of the config module that touches the file system.

use std::path::Path;

/// A config file larger than this is not a config file (a log or a database given by mistake).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The file's text, or why it cannot be had and what to do about it.
pub(super) fn read(file: &Path) -> Result<String, String> {
    let again = "give the right file with --config PATH or $SPENDWATCH_CONFIG";
    let meta = match std::fs::metadata(file) {
        Ok(meta) => meta,
        Err(e) => return Err(io_reason(file, &e)),
    };
    if meta.is_dir() {
        let inside = file.join("config.yaml");
        return Err(if inside.is_file() {
            format!(
                "it is a folder, not a file: give the file inside it, --config {}",
                inside.display()
            )
        } else {
            format!("it is a folder, not a file; {again}")
        });
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "it is {} MB, far more than a config file (a few KB): is it the right file? {again}",
            meta.len() / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| io_reason(file, &e))?;
    decode(&bytes)
}

/// Why reading `file` failed, for the common errors in words and with what to do.
pub(super) fn io_reason(file: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => {
            if std::fs::symlink_metadata(file).is_ok() {
                let target = std::fs::read_link(file)
                    .map(|t| format!(" {}", t.display()))
                    .unwrap_or_default();
                format!(
                    "it is a symbolic link to{target}, which does not exist; point the link at \
                     the config file or give the file itself with --config PATH"
                )
            } else {
                let folder = match file.parent() {
                    Some(p) if !p.as_os_str().is_empty() && !p.exists() => {
                        format!(" (nor does the folder {})", p.display())
                    }
                    _ => String::new(),
                };
                let relative = if file.is_relative() {
                    std::env::current_dir()
                        .map(|d| format!(", looked in {}", d.display()))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                format!(
                    "there is no such file{folder}{relative}; give the right file with \
                     --config PATH or $SPENDWATCH_CONFIG"
                )
            }
        }
        ErrorKind::PermissionDenied => "permission denied: run spendwatch as a user that may read \
             it (the package makes it readable by root and the group spendwatch, e.g. \
             `sudo -u spendwatch spendwatch …`), or correct its owner and mode (see `ls -l`)"
            .to_owned(),
        _ => format!("{e}; check the file, or give another one with --config PATH"),
    }
}

/// The text of a config file: UTF-8 (with or without a BOM), or UTF-16 with a BOM, which YAML
/// also allows (Windows Notepad's "Unicode"). Anything else is refused with what it looks like.
pub(super) fn decode(bytes: &[u8]) -> Result<String, String> {
    let save_as = "save it as UTF-8 (in Notepad: Save As, Encoding UTF-8) and try again";
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return match encoding.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok(text.into_owned()),
                None => Err(format!(
                    "it starts as UTF-16 text but is not valid UTF-16; {save_as}"
                )),
            };
        }
    }
    if bytes.starts_with(b"SQLite format 3\0") {
        return Err(
            "it is a SQLite database (the `database` of a config?), not a config file; give \
             the config.yaml with --config PATH"
                .to_owned(),
        );
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(
            "it is a spreadsheet or another binary file, not a config file; give the \
             config.yaml with --config PATH (ledger files belong in `ledger.sources`)"
                .to_owned(),
        );
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let looks = if encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some()
            {
                "; it looks like GBK (GB18030) text, as older Windows editors save Chinese"
            } else {
                ""
            };
            return Err(format!(
                "it is not UTF-8 text (line {line} has a byte that is not UTF-8){looks}: {save_as}"
            ));
        }
    };
    if text.contains('\0') {
        return Err(
            "it holds NUL bytes, so it is not a text file; give the config.yaml with --config PATH"
                .to_owned(),
        );
    }
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text).to_owned())
}
