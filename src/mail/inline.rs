//! Images shown inside the HTML part (`<img src="cid:…">`): what makes one acceptable, and
//! the `cid:` references an HTML page makes.

/// A PNG shown in the HTML part as `<img src="cid:{cid}">`, sent as an inline part of the
/// `multipart/related` beside the HTML (the form Gmail, Outlook and Apple Mail show inline;
/// SVG and `data:` images are not shown by common clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// The part's `Content-ID` without the angle brackets, as the HTML names it after `cid:`.
    /// Only ASCII letters, digits, `.`, `-`, `_` and `@` (e.g. `chart-C01@spendwatch`): these
    /// need no escaping in a header or a URL, so the reference in the HTML is the `Content-ID`
    /// exactly (RFC 2392).
    pub cid: String,
    /// The file name a client offers when the image is saved (`Content-Disposition: inline;
    /// filename=…`), e.g. `C01.png`. Prefer ASCII: a Chinese name is sent RFC 2231-encoded
    /// (`filename*0*=utf-8''…`, lettre's form), which not every client decodes.
    pub name: String,
    /// The image, a whole PNG file.
    pub png: Vec<u8>,
}

/// What is wrong with an inline image, or with the HTML's reference to one. Each is a
/// programming error of the caller; the message is refused rather than sent with a broken
/// or stray image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    /// The cid is empty or holds a character outside ASCII letters, digits, `.`, `-`, `_`, `@`.
    #[error("the Content-ID may hold only ASCII letters, digits, '.', '-', '_' and '@'")]
    BadContentId,
    /// Two images share the cid, so the HTML's reference is ambiguous.
    #[error("two images have this Content-ID")]
    Duplicate,
    /// The HTML shows `cid:…` but no image has that cid: it would show as a broken image.
    #[error("the HTML refers to it but no image has this Content-ID")]
    Missing,
    /// An image the HTML never shows: clients list it as a stray attachment.
    #[error("no <img src=\"cid:…\"> in the HTML shows this image")]
    Unused,
    /// The bytes do not start with the PNG signature.
    #[error("the image is not a PNG file")]
    NotPng,
    /// The file name is empty or holds a control character or a path separator.
    #[error("the file name is empty or holds a control character, '/' or '\\'")]
    BadName,
}

/// The 8 bytes every PNG file starts with (PNG spec, 5.2).
const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Whether `cid` is a Content-ID we send: non-empty, ASCII letters, digits, `.-_@` only.
pub(super) fn valid_cid(cid: &str) -> bool {
    !cid.is_empty()
        && cid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@'))
}

/// The first problem of `image` taken alone (its cid, name and bytes).
pub(super) fn image_problem(image: &InlineImage) -> Option<ImageProblem> {
    if !valid_cid(&image.cid) {
        Some(ImageProblem::BadContentId)
    } else if image.name.is_empty()
        || image
            .name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        Some(ImageProblem::BadName)
    } else if !image.png.starts_with(PNG_SIGNATURE) {
        Some(ImageProblem::NotPng)
    } else {
        None
    }
}

/// The cids the page shows: the value after `cid:` of every `src` attribute that starts with
/// `cid:` (any case), in order, as written.
///
/// Only attribute values inside tags count, so a memo quoted in the text that reads `cid:x`
/// (its `<` escaped) is never taken for a reference. Comments are skipped.
pub(super) fn cid_references(html: &str) -> Vec<&str> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        i += 1;
        // The tag name.
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'>' | b'/') {
            i += 1;
        }
        // Its attributes, up to the closing `>`.
        loop {
            while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = &html[name_start..i];
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] != b'=' {
                continue;
            }
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            let value = match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = html[start..]
                        .find(char::from(quote))
                        .map_or(bytes.len(), |n| start + n);
                    i = (end + 1).min(bytes.len());
                    &html[start..end]
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    &html[start..i]
                }
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("src")
                && value.len() >= 4
                && value.is_char_boundary(4)
                && value[..4].eq_ignore_ascii_case("cid:")
            {
                found.push(&value[4..]);
            }
        }
    }
    found
}

/// HTML's ASCII whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}
