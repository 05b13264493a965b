use lettre::Message;
use lettre::message::MultiPart;
use mail_parser::{MessageParser, MessagePart, MimeHeaders, PartType};

use super::inline::cid_references;
use super::*;

const FROM: &str = "spendwatch <spendwatch@example.cn>";

fn to() -> Vec<String> {
    vec!["caiwu@example.cn".to_owned(), "admin@example.cn".to_owned()]
}

/// Bytes that start with the PNG signature and then hold every byte value, in an order that
/// repeats only every 256 × 7 bytes, so that a base64 slip anywhere would show.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len.saturating_sub(8)).map(|i| (i * 7 + i / 256) as u8));
    bytes
}

fn image(cid: &str, name: &str, len: usize) -> InlineImage {
    InlineImage {
        cid: cid.to_owned(),
        name: name.to_owned(),
        png: png(len),
    }
}

fn email(html_body: &str) -> RenderedEmail {
    RenderedEmail {
        subject: "【月度通报】2025年5月 支出进度".to_owned(),
        text: "2025年5月 支出进度通报\n\n共 2 个资金项目，1 个落后序时进度。\n图表见 HTML 版本；本文已列出全部数字。\n".to_owned(),
        html: format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{html_body}</body></html>"
        ),
    }
}

/// Two charts, the way the digest shows them.
fn two_charts() -> (RenderedEmail, Vec<InlineImage>) {
    let html = email(
        "<h1>2025年5月 支出进度通报</h1>\
         <p><img src=\"cid:overview@spendwatch\" alt=\"总览\" width=\"640\"></p>\
         <table><tr><td>C01</td><td>42.0%</td></tr></table>\
         <p><img alt='C01 累计支出' src='cid:chart-C01@spendwatch'></p>",
    );
    let images = vec![
        image("overview@spendwatch", "总览.png", 3000),
        image("chart-C01@spendwatch", "C01.png", 5000),
    ];
    (html, images)
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(raw)
        .expect("the message parses")
}

fn mime(part: &MessagePart<'_>) -> String {
    let ct = part.content_type().expect("every part has a Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
}

fn children<'m>(
    msg: &'m mail_parser::Message<'_>,
    part: &MessagePart<'_>,
) -> Vec<&'m MessagePart<'m>> {
    match &part.body {
        PartType::Multipart(ids) => ids.iter().map(|&id| &msg.parts[id as usize]).collect(),
        other => panic!("expected a multipart, got {other:?}"),
    }
}

/// The MIME tree as `type/subtype` with children indented, one part a line.
fn tree(msg: &mail_parser::Message<'_>) -> String {
    fn walk(
        msg: &mail_parser::Message<'_>,
        part: &MessagePart<'_>,
        depth: usize,
        out: &mut String,
    ) {
        out.push_str(&format!("{}{}\n", "  ".repeat(depth), mime(part)));
        if let PartType::Multipart(_) = part.body {
            for child in children(msg, part) {
                walk(msg, child, depth + 1, out);
            }
        }
    }
    let mut out = String::new();
    walk(msg, msg.root_part(), 0, &mut out);
    out
}

#[test]
fn images_go_in_a_related_part_beside_the_html() {
    let (email, images) = two_charts();
    let composed = compose_with_images(FROM, &to(), &email, &images).unwrap();
    let msg = parse(&composed.raw);
    assert_eq!(
        tree(&msg),
        "multipart/alternative\n  text/plain\n  multipart/related\n    text/html\n    image/png\n    image/png\n"
    );
    let top = children(&msg, msg.root_part());
    // RFC 2387 3.1: the related part names its root's type.
    let related_type = top[1].content_type().unwrap();
    assert_eq!(related_type.attribute("type"), Some("text/html"));
    assert!(
        related_type
            .attribute("boundary")
            .is_some_and(|b| b.len() >= 20)
    );
    // The plain part is the words as rendered (lettre sends its line ends as CRLF, as it
    // always did), and byte for byte the plain part of the same email without images.
    assert_eq!(
        top[0].text_contents(),
        Some(email.text.replace('\n', "\r\n").as_str())
    );
    let without = compose(FROM, &to(), &crate::mail::tests::email("<p>无图</p>")).unwrap();
    let without_msg = parse(&without.raw);
    let plain_without = children(&without_msg, without_msg.root_part())[0];
    let bytes = |raw: &[u8], part: &MessagePart<'_>| {
        raw[part.offset_header as usize..part.offset_end as usize].to_vec()
    };
    assert_eq!(
        bytes(&composed.raw, top[0]),
        bytes(&without.raw, plain_without)
    );
    let related = children(&msg, top[1]);
    // The HTML comes first: a client shows the related part's first part (RFC 2387's default
    // root), and the HTML is exactly as rendered.
    assert!(matches!(&related[0].body, PartType::Html(html) if html == &email.html));
    // Each image is the one the HTML names, inline, with its file name and its bytes.
    let shown = cid_references(&email.html);
    assert_eq!(shown, ["overview@spendwatch", "chart-C01@spendwatch"]);
    for ((part, image), cid) in related[1..].iter().zip(&images).zip(&shown) {
        assert_eq!(part.content_id(), Some(*cid));
        let disposition = part.content_disposition().expect("a Content-Disposition");
        assert_eq!(disposition.ctype(), "inline");
        assert_eq!(disposition.attribute("filename"), Some(image.name.as_str()));
        assert_eq!(part.content_transfer_encoding(), Some("base64"));
        assert_eq!(part.contents(), image.png.as_slice());
    }
    assert_eq!(composed.subject, email.subject);
    assert_eq!(composed.envelope_to, to());
    assert_eq!(composed.envelope_from, "spendwatch@example.cn");
}

#[test]
fn the_content_id_header_is_the_cid_in_angle_brackets() {
    let (email, images) = two_charts();
    let raw = String::from_utf8(
        compose_with_images(FROM, &to(), &email, &images)
            .unwrap()
            .raw,
    )
    .unwrap();
    for image in &images {
        let header = format!("\r\nContent-ID: <{}>\r\n", image.cid);
        assert_eq!(
            raw.matches(&header).count(),
            1,
            "{header:?} once in:\n{raw}"
        );
    }
}

#[test]
fn the_raw_message_has_crlf_line_ends_and_base64_lines_of_at_most_76() {
    let (email, images) = two_charts();
    let raw = compose_with_images(FROM, &to(), &email, &images)
        .unwrap()
        .raw;
    let msg = parse(&raw);
    // No bare LF and no bare CR anywhere (RFC 5322 2.3).
    for (i, &b) in raw.iter().enumerate() {
        match b {
            b'\n' => assert!(i > 0 && raw[i - 1] == b'\r', "bare LF at byte {i}"),
            b'\r' => assert_eq!(raw.get(i + 1), Some(&b'\n'), "bare CR at byte {i}"),
            _ => {}
        }
    }
    let related = children(&msg, children(&msg, msg.root_part())[1]);
    for part in &related[1..] {
        let body = &raw[part.offset_body as usize..part.offset_end as usize];
        let body = std::str::from_utf8(body).unwrap();
        let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        // 5000 bytes make 6668 base64 characters: many lines, all full but the last.
        assert!(lines.len() > 10);
        assert!(lines.iter().all(|l| l.len() <= 76), "a base64 line over 76");
        assert!(
            lines.iter().all(|l| l
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))),
            "only base64 characters in the body"
        );
    }
    // Every line of the message, headers too, within RFC 5322's 998.
    assert!(raw.split(|&b| b == b'\n').all(|l| l.len() <= 1000));
}

/// `raw` with its boundaries numbered in order of appearance and without the `Date` and
/// `Message-ID` lines: what two composings of the same words have in common.
fn normalized(raw: &[u8]) -> String {
    let mut text = String::from_utf8(raw.to_vec()).unwrap();
    let boundaries: Vec<String> = text
        .match_indices("boundary=\"")
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    for (n, boundary) in boundaries.iter().enumerate() {
        text = text.replace(boundary, &format!("BOUNDARY{n}"));
    }
    text.split("\r\n")
        .filter(|l| !l.starts_with("Date: ") && !l.starts_with("Message-ID: "))
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn without_images_the_message_is_as_compose_sent_it_before() {
    let email = email("<p>5月 支出进度：42.0%，落后序时进度 3.4 个百分点。</p>");
    let composed = compose(FROM, &to(), &email).unwrap();
    assert_eq!(
        compose_with_images(FROM, &to(), &email, &[])
            .map(|c| normalized(&c.raw))
            .unwrap(),
        normalized(&composed.raw)
    );
    // What `compose` built before inline images: lettre's plain + HTML alternative.
    let mut before = Message::builder()
        .from(FROM.parse().unwrap())
        .subject(&email.subject)
        .message_id(None)
        .date_now();
    for addr in to() {
        before = before.to(addr.parse().unwrap());
    }
    let before = before
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .unwrap();
    assert_eq!(normalized(&composed.raw), normalized(&before.formatted()));
    let msg = parse(&composed.raw);
    assert_eq!(
        tree(&msg),
        "multipart/alternative\n  text/plain\n  text/html\n"
    );
}

#[test]
fn a_cid_with_a_character_a_content_id_cannot_hold_is_refused() {
    for cid in [
        "",
        "chart C01",
        "chart<1>",
        "图表1",
        "a\"b",
        "chart:1",
        "chart%201",
        "a/b",
    ] {
        let email = email(&format!("<img src=\"cid:{cid}\">"));
        let err =
            compose_with_images(FROM, &to(), &email, &[image(cid, "c.png", 100)]).expect_err(cid);
        assert!(
            matches!(&err, MailError::Image { cid: c, problem: ImageProblem::BadContentId } if c == cid),
            "{cid:?}: {err}"
        );
    }
    // Every allowed character at once.
    let cid = "Chart_2025-05.C01@spend-watch.example";
    let email = email(&format!("<img src=\"cid:{cid}\">"));
    assert!(compose_with_images(FROM, &to(), &email, &[image(cid, "c.png", 100)]).is_ok());
}

#[test]
fn an_image_the_html_shows_but_that_is_not_given_is_refused_by_its_cid() {
    let (email, mut images) = two_charts();
    images.remove(1);
    let err = compose_with_images(FROM, &to(), &email, &images).unwrap_err();
    assert!(
        matches!(&err, MailError::Image { cid, problem: ImageProblem::Missing } if cid == "chart-C01@spendwatch"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "inline image cid:chart-C01@spendwatch: the HTML refers to it but no image has this Content-ID"
    );
    // With no images at all (as `compose`), the reference is still refused.
    let err = compose(FROM, &to(), &email).unwrap_err();
    assert!(
        matches!(&err, MailError::Image { cid, problem: ImageProblem::Missing } if cid == "overview@spendwatch"),
        "{err}"
    );
    // The reference must match exactly: `cid:` URLs name the Content-ID as written.
    let email = crate::mail::tests::email("<img src=\"cid:Chart-C01@spendwatch\">");
    let err = compose_with_images(
        FROM,
        &to(),
        &email,
        &[image("chart-C01@spendwatch", "C01.png", 100)],
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            MailError::Image {
                problem: ImageProblem::Missing,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn an_image_the_html_does_not_show_is_refused() {
    let (email, mut images) = two_charts();
    images.push(image("extra@spendwatch", "extra.png", 100));
    let err = compose_with_images(FROM, &to(), &email, &images).unwrap_err();
    assert!(
        matches!(&err, MailError::Image { cid, problem: ImageProblem::Unused } if cid == "extra@spendwatch"),
        "{err}"
    );
}

#[test]
fn two_images_with_one_cid_are_refused() {
    let email = email("<img src=\"cid:a@x\">");
    let images = [image("a@x", "a.png", 100), image("a@x", "b.png", 200)];
    let err = compose_with_images(FROM, &to(), &email, &images).unwrap_err();
    assert!(
        matches!(&err, MailError::Image { cid, problem: ImageProblem::Duplicate } if cid == "a@x"),
        "{err}"
    );
}

#[test]
fn an_image_that_is_not_a_png_or_has_a_bad_name_is_refused() {
    let email = email("<img src=\"cid:a@x\">");
    let svg = InlineImage {
        cid: "a@x".to_owned(),
        name: "a.svg".to_owned(),
        png: b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
    };
    let err = compose_with_images(FROM, &to(), &email, &[svg]).unwrap_err();
    assert!(
        matches!(
            err,
            MailError::Image {
                problem: ImageProblem::NotPng,
                ..
            }
        ),
        "{err}"
    );
    for name in ["", "../a.png", "a\\b.png", "a\r\nX-Evil: 1.png"] {
        let err =
            compose_with_images(FROM, &to(), &email, &[image("a@x", name, 100)]).expect_err(name);
        assert!(
            matches!(
                err,
                MailError::Image {
                    problem: ImageProblem::BadName,
                    ..
                }
            ),
            "{name:?}: {err}"
        );
    }
}

#[test]
fn a_chinese_file_name_reads_back_as_written() {
    let email = email("<img src=\"cid:a@x\">");
    let name = "C01 城区道路养护资金（2025）累计支出.png";
    let composed = compose_with_images(FROM, &to(), &email, &[image("a@x", name, 100)]).unwrap();
    assert!(
        composed.raw.is_ascii(),
        "the headers are encoded, the image base64"
    );
    let msg = parse(&composed.raw);
    let related = children(&msg, children(&msg, msg.root_part())[1]);
    assert_eq!(related[1].attachment_name(), Some(name));
}

#[test]
fn a_message_over_the_limit_with_its_images_is_refused_and_one_under_is_not() {
    let email = email("<img src=\"cid:big@x\">");
    // 1.5 MB of PNG is about 2.05 MB in base64 with CRLFs every 76: under 2 MiB (2.10 MB).
    let under =
        compose_with_images(FROM, &to(), &email, &[image("big@x", "big.png", 1_500_000)]).unwrap();
    assert!(under.raw.len() <= MAX_MESSAGE_BYTES);
    assert!(under.raw.len() > 2_000_000);
    let err = compose_with_images(FROM, &to(), &email, &[image("big@x", "big.png", 1_560_000)])
        .unwrap_err();
    let MailError::TooLarge { bytes, limit } = err else {
        panic!("expected TooLarge, got {err}");
    };
    assert_eq!(limit, MAX_MESSAGE_BYTES);
    assert!(
        bytes > MAX_MESSAGE_BYTES && bytes < MAX_MESSAGE_BYTES + 100_000,
        "{bytes}"
    );
}

#[test]
fn a_message_without_images_is_never_refused_for_its_size() {
    let rows = "<tr><td>城区道路养护资金</td><td>42.0%</td></tr>".repeat(60_000);
    let email = email(&format!("<table>{rows}</table>"));
    let composed = compose(FROM, &to(), &email).unwrap();
    assert!(composed.raw.len() > MAX_MESSAGE_BYTES);
}

#[test]
fn only_src_attributes_inside_tags_are_references() {
    let html = "<p>说明：见附件 cid:memo@x 与 \"cid:quoted@x\"、'cid:single@x'</p>\
                <!-- <img src=\"cid:commented@x\"> -->\
                <img title=\"src=cid:in-title@x\" SRC=CID:upper@x alt=x>\
                <img\n  src = \" cid:spaced@x \" />\
                <a href=\"cid:link@x\">x</a><img src=\"https://example.cn/a.png\">";
    assert_eq!(cid_references(html), ["upper@x", "spaced@x"]);
    // A memo quoted into the text cannot make up a reference: its `<` is escaped.
    let memo = crate::report::html::escape("<img src=\"cid:evil@x\">");
    assert_eq!(
        cid_references(&format!("<p>{memo}</p>")),
        Vec::<&str>::new()
    );
}

#[test]
fn unfinished_markup_is_read_without_panicking() {
    for html in [
        "<",
        "<img",
        "<img src",
        "<img src=",
        "<img src=\"cid:a",
        "<!--",
        "<img src='cid:é",
    ] {
        let _ = cid_references(html);
    }
    assert_eq!(cid_references("<img src=\"cid:a@x"), ["a@x"]);
}
