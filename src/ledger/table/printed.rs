//! The rows a printed report adds around the entries, by what they say: subtotal and carry
//! words (合计, 本月累计, 承前页), and page lines (`第 2 页 共 3 页`, `Page 2 of 3`).

use crate::ledger::cell::Cell;

/// Subtotal and carry rows that exports interleave with entries, and running totals of a
/// period still open (当前合计, 月计). A row with a cell that says exactly one of these
/// (spaces and a trailing colon ignored) is skipped and counted, never an entry.
const SUBTOTAL_WORDS: &[&str] = &[
    "合计",
    "小计",
    "总计",
    "累计",
    "本日合计",
    "本日小计",
    "本月合计",
    "本月小计",
    "本月累计",
    "本期合计",
    "本期小计",
    "本期累计",
    "本季合计",
    "本季小计",
    "本季累计",
    "本年合计",
    "本年小计",
    "本年累计",
    "本页合计",
    "本页小计",
    "本页累计",
    "当前合计",
    "当前累计",
    "当日合计",
    "当月合计",
    "当月累计",
    "当季累计",
    "当年累计",
    "日计",
    "月计",
    "季计",
    "年计",
    "月合计",
    "月累计",
    "季合计",
    "季累计",
    "年合计",
    "年累计",
    "期初余额",
    "期末余额",
    "年初余额",
    "年末余额",
    "月初余额",
    "月末余额",
    "上年结转",
    "结转下年",
    "上月结转",
    "结转下月",
    "上期结转",
    "结转下期",
    "承前页",
    "过次页",
    "承上页",
    "接上页",
    "转下页",
    "转次页",
    "上页合计",
    "上页累计",
];

/// The first character of every word in [`SUBTOTAL_WORDS`]: most cells are dismissed at once.
const SUBTOTAL_FIRST: &[char] = &[
    '合', '小', '总', '累', '本', '当', '日', '月', '季', '年', '期', '上', '结', '承', '接', '转',
    '过',
];

/// A subtotal or carry row: a cell says one of [`SUBTOTAL_WORDS`] or of the config's
/// `extra` words (normalised: no spaces, no trailing colon).
pub(super) fn is_subtotal(cells: &[Cell<'_>], extra: &[String]) -> bool {
    cells.iter().any(|c| match c {
        // The words are short; longer text can only match through spaces.
        Cell::Text(t) if t.len() <= 64 => {
            if extra.is_empty() && !t.starts_with(SUBTOTAL_FIRST) {
                return false;
            }
            let word = subtotal_word(t);
            SUBTOTAL_WORDS.contains(&word.as_ref()) || extra.iter().any(|w| *w == word)
        }
        _ => false,
    })
}

/// A cell's text as subtotal words are compared: without spaces and a trailing colon.
pub(crate) fn subtotal_word(text: &str) -> std::borrow::Cow<'_, str> {
    let t = text.trim().trim_end_matches([':', '：']).trim_end();
    if t.contains(char::is_whitespace) {
        t.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .into()
    } else {
        t.into()
    }
}

/// A page line's cell: `第2页`, `共3页`, `第 2 页 共 3 页`, `第2/3页`, `页码：2`, `Page 2 of 3`.
pub(super) fn is_page_marker(cell: &Cell<'_>) -> bool {
    let Cell::Text(text) = cell else {
        return false;
    };
    if text.len() > 80 {
        return false;
    }
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let mut rest = t.as_str();
    for prefix in ["页码：", "页码:", "页次：", "页次:"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            // `页码：2`, `页次：2/3`.
            return !r.is_empty() && r.split('/').all(is_number);
        }
    }
    let mut tokens = 0;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', '，', '/', '、', ';', '；', '-', '—']);
        if rest.is_empty() {
            break;
        }
        let next = if let Some(r) = rest.strip_prefix('第').or_else(|| rest.strip_prefix('共')) {
            // 第2页, 共3页, 第2/3页.
            let end = r.find('页');
            end.and_then(|at| {
                let inner = &r[..at];
                (!inner.is_empty() && inner.split('/').all(is_number))
                    .then(|| &r[at + '页'.len_utf8()..])
            })
        } else if let Some(r) = rest.strip_prefix("page") {
            let digits = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let after = &r[digits..];
            (digits > 0).then(|| {
                after
                    .strip_prefix("of")
                    .map(|of| of.trim_start_matches(|c: char| c.is_ascii_digit()))
                    .unwrap_or(after)
            })
        } else {
            None
        };
        match next {
            Some(r) => {
                rest = r;
                tokens += 1;
            }
            None => return false,
        }
    }
    tokens > 0
}

/// Arabic digits, or Chinese numerals as a page is numbered (二, 十二).
fn is_number(text: &str) -> bool {
    !text.is_empty()
        && (text.bytes().all(|b| b.is_ascii_digit())
            || text
                .chars()
                .all(|c| "零〇一二三四五六七八九十百".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_markers() {
        for text in [
            "第2页",
            "第 2 页 共 3 页",
            "第2页，共3页",
            "共3页 第2页",
            "第2/3页",
            "第二页",
            "页码：2",
            "页次: 2/3",
            "Page 2 of 3",
            "page 2",
            "- 第2页 -",
        ] {
            assert!(is_page_marker(&Cell::text(text)), "{text:?}");
        }
        for text in [
            "第2页更正",
            "宣传册第2页",
            "第页",
            "共计",
            "page",
            "2/3",
            "第2号",
            "页码：",
        ] {
            assert!(!is_page_marker(&Cell::text(text)), "{text:?}");
        }
        assert!(!is_page_marker(&Cell::Number(2.0)));
    }

    #[test]
    fn every_subtotal_word_passes_the_first_character_filter() {
        for word in SUBTOTAL_WORDS {
            assert!(word.starts_with(SUBTOTAL_FIRST), "{word}");
            assert_eq!(subtotal_word(word), *word);
        }
    }

    #[test]
    fn subtotal_words_are_matched_whole() {
        let none: &[String] = &[];
        assert!(is_subtotal(&[Cell::text(" 本月合计 ")], none));
        assert!(is_subtotal(&[Cell::Empty, Cell::text("合 计")], none));
        assert!(is_subtotal(&[Cell::text("合计：")], none));
        for word in [
            "当前合计",
            "当前累计",
            "月计",
            "季计",
            "年计",
            "本季累计",
            "承上页",
        ] {
            assert!(is_subtotal(&[Cell::text(word)], none), "{word}");
        }
        assert!(!is_subtotal(&[Cell::text("合计采购款")], none));
        assert!(!is_subtotal(&[Cell::text("月计划")], none));
        assert!(!is_subtotal(&[Cell::Number(1.0)], none));
        let extra = ["以前年度累计".to_owned(), "汇总".to_owned()];
        assert!(is_subtotal(&[Cell::text("以前年度 累计")], &extra));
        assert!(is_subtotal(&[Cell::text("汇总:")], &extra));
        assert!(!is_subtotal(&[Cell::text("汇总表")], &extra));
    }
}
