//! Email on the wire: composing MIME messages (plain text + HTML, the HTML with inline PNG
//! images when given), and one small [`Transport`] trait over lettre's
//! SMTP and sendmail transports and a folder of `.eml` files, with every failure classed
//! transient or permanent.
//!
//! The SMTP password is read here (from `password_file`, `$CREDENTIALS_DIRECTORY/smtp-password`
//! or `$SPENDWATCH_SMTP_PASSWORD`) and never appears in an error or a log line.

mod inline;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, MultiPartBuilder, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSendmailTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use self::inline::{ImageProblem, InlineImage};
use crate::config::{EmailSettings, Security, SmtpSettings, Transport as TransportSettings};
use crate::report::RenderedEmail;

/// The name of the systemd credential holding the SMTP password (`LoadCredential=`).
pub const CREDENTIAL_NAME: &str = "smtp-password";
/// The environment variable that may hold the SMTP password.
pub const PASSWORD_ENV: &str = "SPENDWATCH_SMTP_PASSWORD";
/// How long one message may take when the transport has no timeout of its own.
const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest whole message, in bytes as sent (headers, base64 and all), that
/// [`compose_with_images`] builds with images: 2 MiB, well under the 10–25 MB that common
/// servers accept and light enough for a phone on a slow link. Above it the caller drops images.
pub const MAX_MESSAGE_BYTES: usize = 2 * 1024 * 1024;

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The `Message-ID` header's value, `<…@host>`, unique per message (for the outbox and
    /// the delivery log).
    pub message_id: String,
    /// The subject as written, before RFC 2047 encoding (for the outbox and logs).
    pub subject: String,
    /// The SMTP `MAIL FROM` address; empty when the message has none.
    pub envelope_from: String,
    /// The SMTP `RCPT TO` addresses, one per recipient.
    pub envelope_to: Vec<String>,
    /// The whole RFC 5322 message, exactly as it will be sent (and re-sent, if need be).
    pub raw: Vec<u8>,
}

/// Why a message could not be composed or a transport could not be set up (before anything
/// is sent; failures to send are [`SendError`]s).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient that is not an email address.
    #[error("{what} {value:?} is not an email address: {source}")]
    Address {
        /// Where it came from: `email.from` or `recipient`.
        what: &'static str,
        /// The address as written in the config.
        value: String,
        /// lettre's reason.
        source: lettre::address::AddressError,
    },
    /// lettre could not assemble the message (no recipient, say).
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// An inline image, or the HTML's `cid:` reference to one, is wrong: a programming error,
    /// refused so that no email goes out with a broken or stray image.
    #[error("inline image cid:{cid}: {problem}")]
    Image {
        /// The image's cid, or the cid the HTML refers to, as written.
        cid: String,
        /// What is wrong.
        problem: ImageProblem,
    },
    /// With its images, the message would exceed [`MAX_MESSAGE_BYTES`]: send it without
    /// (some of) them.
    #[error("the message with its images is {bytes} bytes, over the limit of {limit}")]
    TooLarge {
        /// The whole message's size as it would be sent.
        bytes: usize,
        /// [`MAX_MESSAGE_BYTES`].
        limit: usize,
    },
    /// The configured password file, or the systemd credential that exists, cannot be read.
    #[error("cannot read the SMTP password from {path}: {source}")]
    PasswordFile {
        /// The file tried.
        path: String,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A username is configured but no password was found anywhere.
    #[error(
        "email.smtp.username is set but no password was found: put it in the file named by \
         email.smtp.password_file, in the systemd credential {CREDENTIAL_NAME}, or in ${PASSWORD_ENV}"
    )]
    NoPassword,
    /// `email.smtp.ca_file` cannot be read or is not a PEM certificate.
    #[error("cannot read the CA certificate {path}: {detail}")]
    CaFile {
        /// The configured file.
        path: String,
        /// Why it was refused.
        detail: String,
    },
    /// The TLS settings for the SMTP server could not be built.
    #[error("cannot set up the SMTP connection to {host}: {detail}")]
    Smtp {
        /// The configured `email.smtp.host`.
        host: String,
        /// What went wrong.
        detail: String,
    },
    /// The `file` transport's folder cannot be created.
    #[error("cannot create the outbox folder {path}: {source}")]
    OutboxDir {
        /// The configured folder.
        path: String,
        /// Why it could not be created.
        source: std::io::Error,
    },
}

/// Composes a multipart (plain text + HTML) message with a `Date` and a unique `Message-ID`:
/// [`compose_with_images`] with no images.
///
/// # Errors
///
/// [`MailError::Address`] when `from` or a recipient is not an email address,
/// [`MailError::Build`] when lettre cannot assemble the message (no recipients), and
/// [`MailError::Image`] when the HTML refers to a `cid:` image.
pub fn compose(from: &str, to: &[String], email: &RenderedEmail) -> Result<Composed, MailError> {
    compose_with_images(from, to, email, &[])
}

/// Composes a message with a `Date` and a unique `Message-ID` whose HTML shows `images`:
///
/// ```text
/// multipart/alternative
/// ├── text/plain
/// └── multipart/related          (only when there are images)
///     ├── text/html
///     └── image/png …            Content-ID: <cid>, Content-Disposition: inline; filename=name
/// ```
///
/// Without images the HTML is the alternative's second part itself, exactly as [`compose`]
/// sends it. A message without images is never refused for its size: its words must go out.
///
/// # Errors
///
/// [`MailError::Address`] when `from` or a recipient is not an email address;
/// [`MailError::Image`] naming the cid when an image's cid or name is not allowed, its bytes
/// are not a PNG, two images share a cid, the HTML's `<img src="cid:…">` has no image, or an
/// image is not shown by the HTML; [`MailError::TooLarge`] when the message with images
/// exceeds [`MAX_MESSAGE_BYTES`]; [`MailError::Build`] when lettre cannot assemble the
/// message (no recipients).
pub fn compose_with_images(
    from: &str,
    to: &[String],
    email: &RenderedEmail,
    images: &[InlineImage],
) -> Result<Composed, MailError> {
    check_images(&email.html, images)?;
    // A header is one line: a file name in the subject must not carry a CR LF into it, into
    // the outbox or the journal, whoever made the subject (the report's is escaped already).
    let subject = crate::report::shown(&email.subject).into_owned();
    let from: Mailbox = from.parse().map_err(|source| MailError::Address {
        what: "email.from",
        value: from.to_owned(),
        source,
    })?;
    let mut builder = Message::builder()
        .from(from)
        .subject(&subject)
        .message_id(None)
        .date_now();
    for addr in to {
        let mailbox: Mailbox = addr.parse().map_err(|source| MailError::Address {
            what: "recipient",
            value: addr.clone(),
            source,
        })?;
        builder = builder.to(mailbox);
    }
    let plain = SinglePart::plain(email.text.clone());
    let html = SinglePart::html(email.html.clone());
    let body = if images.is_empty() {
        MultiPart::alternative().singlepart(plain).singlepart(html)
    } else {
        let png = ContentType::parse("image/png").expect("a valid MIME type");
        let mut related = related_html().singlepart(html);
        for image in images {
            related = related.singlepart(
                Attachment::new_inline_with_name(image.cid.clone(), image.name.clone())
                    .body(image.png.clone(), png.clone()),
            );
        }
        MultiPart::alternative()
            .singlepart(plain)
            .multipart(related)
    };
    let message = builder.multipart(body)?;
    let raw = message.formatted();
    if !images.is_empty() && raw.len() > MAX_MESSAGE_BYTES {
        return Err(MailError::TooLarge {
            bytes: raw.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let envelope = message.envelope();
    let message_id = message
        .headers()
        .get_raw("Message-ID")
        .map(str::to_owned)
        .unwrap_or_default();
    Ok(Composed {
        message_id,
        subject,
        envelope_from: envelope.from().map(ToString::to_string).unwrap_or_default(),
        envelope_to: envelope.to().iter().map(ToString::to_string).collect(),
        raw,
    })
}

/// An empty `multipart/related` whose root is HTML. RFC 2387 requires the `type` parameter,
/// which lettre's `MultiPart::related` leaves out; its boundary is lettre's random one.
fn related_html() -> MultiPartBuilder {
    let boundary = MultiPart::related().build().boundary();
    let content_type = ContentType::parse(&format!(
        "multipart/related; type=\"text/html\"; boundary=\"{boundary}\""
    ))
    .expect("a valid MIME type");
    MultiPart::builder().header(content_type)
}

/// Refuses images that are wrong alone, share a cid, are missing from or unused by `html`.
fn check_images(html: &str, images: &[InlineImage]) -> Result<(), MailError> {
    let fail = |cid: &str, problem| MailError::Image {
        cid: cid.to_owned(),
        problem,
    };
    for (n, image) in images.iter().enumerate() {
        if let Some(problem) = inline::image_problem(image) {
            return Err(fail(&image.cid, problem));
        }
        if images[..n].iter().any(|other| other.cid == image.cid) {
            return Err(fail(&image.cid, ImageProblem::Duplicate));
        }
    }
    let shown = inline::cid_references(html);
    if let Some(cid) = shown
        .iter()
        .find(|cid| !images.iter().any(|image| image.cid == **cid))
    {
        return Err(fail(cid, ImageProblem::Missing));
    }
    if let Some(image) = images
        .iter()
        .find(|image| !shown.contains(&image.cid.as_str()))
    {
        return Err(fail(&image.cid, ImageProblem::Unused));
    }
    Ok(())
}

/// A test message for `spendwatch test-email`; `transport` (as [`Transport::describe`] says
/// it) is named in the body.
///
/// # Errors
///
/// As [`compose`].
pub fn compose_test(from: &str, to: &[String], transport: &str) -> Result<Composed, MailError> {
    let text = format!(
        "这是一封测试邮件，由 spendwatch 通过 {transport} 发送。\n收到此邮件说明支出进度预警邮件可以正常送达。\n"
    );
    let html = format!(
        "<p>这是一封测试邮件，由 spendwatch 通过 {transport} 发送。</p><p>收到此邮件说明支出进度预警邮件可以正常送达。</p>"
    );
    let email = RenderedEmail {
        subject: "【spendwatch】测试邮件".to_owned(),
        text,
        html,
    };
    compose(from, to, &email)
}

/// Whether a failed send may succeed later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// No answer from the server (connection refused, timeout, TLS handshake): nothing is
    /// wrong with the message, and every other message would fail the same way. Retry later.
    Unreachable,
    /// The server answered 4xx (or a local transport failed): retry this message with backoff.
    Transient,
    /// 5xx, a rejected address: retrying will not help.
    Permanent,
}

/// A failed send: whether to retry, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Whether and how the delivery loop retries.
    pub class: FailureClass,
    /// The transport's error with its causes (`: `-separated), for the outbox and logs; never
    /// the password.
    pub message: String,
}

impl SendError {
    fn transient(message: impl Into<String>) -> SendError {
        SendError {
            class: FailureClass::Transient,
            message: message.into(),
        }
    }
}

/// What [`Transport::send`] returns: boxed, so that the trait can be used as `dyn Transport`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Delivers one composed message.
pub trait Transport: Send + Sync {
    /// Sends `raw` (a whole RFC 5322 message) to the envelope's recipients; resolves to a
    /// [`SendError`] classed for retry. Callers bound it with [`send_with_timeout`].
    fn send<'a>(&'a self, envelope: &'a Envelope, raw: &'a [u8]) -> SendFuture<'a>;
    /// For logs and `test-email`: `smtp mail.example:465 (tls)`.
    fn describe(&self) -> String;
    /// The longest one message may take before it counts as a transient failure.
    fn timeout(&self) -> Duration;
}

/// Builds the configured transport. Must be called inside a tokio runtime.
///
/// # Errors
///
/// [`MailError::OutboxDir`] when the `file` transport's folder cannot be created; for SMTP,
/// [`MailError::CaFile`] or [`MailError::Smtp`] when TLS cannot be set up, and the errors of
/// [`smtp_password`] (or [`MailError::NoPassword`]) when a username is configured.
pub fn transport(settings: &EmailSettings) -> Result<Box<dyn Transport>, MailError> {
    Ok(match &settings.transport {
        TransportSettings::File { dir } => {
            std::fs::create_dir_all(dir).map_err(|source| MailError::OutboxDir {
                path: dir.display().to_string(),
                source,
            })?;
            Box::new(FileMailer { dir: dir.clone() })
        }
        TransportSettings::Sendmail { command } => Box::new(SendmailMailer {
            command: command.clone(),
            inner: AsyncSendmailTransport::<Tokio1Executor>::new_with_command(command.as_os_str()),
        }),
        TransportSettings::Smtp(smtp) => Box::new(SmtpMailer::new(smtp)?),
    })
}

/// Finds the SMTP password: `password_file`, then the systemd credential, then the variable.
/// `Ok(None)` when none of them is set (an empty variable counts as unset).
///
/// # Errors
///
/// [`MailError::PasswordFile`] when the configured file, or the credential file that exists,
/// cannot be read.
pub fn smtp_password(smtp: &SmtpSettings) -> Result<Option<String>, MailError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
            .map_err(|source| MailError::PasswordFile {
                path: path.display().to_string(),
                source,
            })
    };
    if let Some(path) = &smtp.password_file {
        return read(path).map(Some);
    }
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        let path = Path::new(&dir).join(CREDENTIAL_NAME);
        if path.exists() {
            return read(&path).map(Some);
        }
    }
    Ok(std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()))
}

struct SmtpMailer {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    description: String,
    timeout: Duration,
}

impl SmtpMailer {
    fn new(smtp: &SmtpSettings) -> Result<SmtpMailer, MailError> {
        let fail = |detail: String| MailError::Smtp {
            host: smtp.host.clone(),
            detail,
        };
        let tls = || -> Result<TlsParameters, MailError> {
            let mut builder = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = &smtp.ca_file {
                let ca_error = |detail: String| MailError::CaFile {
                    path: path.display().to_string(),
                    detail,
                };
                let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
                builder = builder.add_root_certificate(
                    Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?,
                );
            }
            builder.build().map_err(|e| fail(e.to_string()))
        };
        let builder = match smtp.security {
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                .tls(Tls::Wrapper(tls()?)),
            Security::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    .tls(Tls::Required(tls()?))
            }
            // Plaintext only because the config says `security: none`.
            Security::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).tls(Tls::None)
            }
        };
        let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
        if let Some(user) = &smtp.username {
            let password = smtp_password(smtp)?.ok_or(MailError::NoPassword)?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailer {
            inner: builder.build(),
            description: format!(
                "smtp {}:{} ({})",
                smtp.host,
                smtp.port,
                smtp.security.as_str()
            ),
            timeout: smtp.timeout,
        })
    }
}

impl Transport for SmtpMailer {
    fn send<'a>(&'a self, envelope: &'a Envelope, raw: &'a [u8]) -> SendFuture<'a> {
        Box::pin(async move {
            self.inner
                .send_raw(envelope, raw)
                .await
                .map(drop)
                .map_err(|e| {
                    let class = classify(&e);
                    SendError {
                        class,
                        message: error_chain(&e),
                    }
                })
        })
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// lettre's errors: a 5xx reply is permanent; 421 ("service not available", "too many
/// connections") and failures with no reply at all (connecting, the network, TLS) are about
/// the server, so every email waits; any other 4xx, and errors of the client or in reading a
/// reply, are about this one email.
fn classify(e: &lettre::transport::smtp::Error) -> FailureClass {
    let code = e.status().map(u16::from);
    if e.is_permanent() {
        FailureClass::Permanent
    } else if code == Some(421) {
        FailureClass::Unreachable
    } else if e.is_transient() || e.is_client() || e.is_response() {
        FailureClass::Transient
    } else {
        FailureClass::Unreachable
    }
}

struct SendmailMailer {
    command: PathBuf,
    inner: AsyncSendmailTransport<Tokio1Executor>,
}

impl Transport for SendmailMailer {
    fn send<'a>(&'a self, envelope: &'a Envelope, raw: &'a [u8]) -> SendFuture<'a> {
        Box::pin(async move {
            // A local MTA that fails now (spool full, not running) usually recovers: retry.
            self.inner
                .send_raw(envelope, raw)
                .await
                .map_err(|e| SendError::transient(error_chain(&e)))
        })
    }

    fn describe(&self) -> String {
        format!("sendmail {}", self.command.display())
    }

    fn timeout(&self) -> Duration {
        DEFAULT_SEND_TIMEOUT
    }
}

/// Writes each message to `DIR/<unix-nanoseconds>-<pid>-<n>.eml` (names sort by time). The
/// file is written under a hidden temporary name and renamed once complete, so a full disk or a
/// crash never leaves a partial `.eml` behind (lettre's file transport left empty ones).
struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    fn write(dir: &Path, raw: &[u8]) -> std::io::Result<()> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static WRITTEN: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let n = WRITTEN.fetch_add(1, Ordering::Relaxed);
        let name = format!("{nanos}-{}-{n}.eml", std::process::id());
        let temp = dir.join(format!(".{name}.tmp"));
        // On disk before it gets its name, and the name on disk before the email counts as
        // sent: a power cut leaves the email whole or not there, and then it is sent again.
        let written = (|| {
            use std::io::Write;
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(raw)?;
            file.sync_all()?;
            std::fs::rename(&temp, dir.join(&name))?;
            std::fs::File::open(dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

impl Transport for FileMailer {
    fn send<'a>(&'a self, _envelope: &'a Envelope, raw: &'a [u8]) -> SendFuture<'a> {
        Box::pin(async move {
            let (dir, raw) = (self.dir.clone(), raw.to_vec());
            tokio::task::spawn_blocking(move || FileMailer::write(&dir, &raw))
                .await
                .map_err(|e| SendError::transient(e.to_string()))?
                .map_err(|e| SendError::transient(format!("{}: {e}", self.dir.display())))
        })
    }

    fn describe(&self) -> String {
        format!("file {}", self.dir.display())
    }

    fn timeout(&self) -> Duration {
        DEFAULT_SEND_TIMEOUT
    }
}

/// Rebuilds the envelope of a stored message from its [`Composed::envelope_from`] (empty: no
/// sender) and [`Composed::envelope_to`].
///
/// # Errors
///
/// A message naming the address that does not parse, or lettre's reason when the envelope
/// has no recipient.
pub fn envelope(from: &str, to: &[String]) -> Result<Envelope, String> {
    let from = if from.is_empty() {
        None
    } else {
        Some(from.parse().map_err(|e| format!("sender {from:?}: {e}"))?)
    };
    let to = to
        .iter()
        .map(|a| a.parse().map_err(|e| format!("recipient {a:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(from, to).map_err(|e| e.to_string())
}

/// Sends with the transport's timeout: lettre's own timeout covers only the connection, and a
/// server that accepts and then stalls would hang the send.
///
/// # Errors
///
/// The transport's [`SendError`], or one classed [`FailureClass::Unreachable`] when no answer
/// came within [`Transport::timeout`].
pub async fn send_with_timeout(
    transport: &dyn Transport,
    envelope: &Envelope,
    raw: &[u8],
) -> Result<(), SendError> {
    let limit = transport.timeout();
    match tokio::time::timeout(limit, transport.send(envelope, raw)).await {
        Ok(result) => result,
        Err(_) => Err(SendError {
            class: FailureClass::Unreachable,
            message: format!("no answer within {}s", limit.as_secs()),
        }),
    }
}

/// An error with its causes, `: `-separated, each part once (lettre's messages often repeat
/// their cause: "Connection error: Connection error: invalid peer certificate").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = next {
        parts.extend(err.to_string().split(": ").map(str::to_owned));
        next = err.source();
    }
    parts.dedup();
    let mut seen: Vec<&str> = Vec::new();
    for part in &parts {
        if !seen.contains(&part.as_str()) {
            seen.push(part);
        }
    }
    seen.join(": ")
}

impl std::fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests;
