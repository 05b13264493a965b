//! A season told as a story (issue 13, item 7): `check --as-of D` for every day of a summer,
//! with a 情况说明 recorded on a given day, and the outbox compared with what the README's
//! "Warning levels" and "情况说明" say should happen:
//!
//! - 网络综合治理 (150,000 元, 40,000 spent in March) goes 黄 (06-15) → 橙 (06-23, a week before
//!   June and still 33,000 元 short of a plan of 73,000 元: more than 10 points) → 红 (07-01,
//!   June missed); a 情况说明 recorded on 07-03 until 07-20 stops its repeats; on 07-21 it has
//!   run out (a notice again); red and unexplained for 7 days after that, it is escalated once,
//!   on 07-28, to the leadership as well.
//! - 招商引资 (100,000 元, 42,000 spent) stays 黄 before June (6,661 元 short a week before:
//!   under 10 points), goes 红 on 07-01 and, never explained, is escalated once on 07-08;
//!   then it repeats weekly to the usual recipients only.

use std::sync::OnceLock;

use super::util::{OutboxRow, Workdir};

const DB: &str = "story.db";
const FINANCE: &str = "finance@localhost";
const LEADER: &str = "leader@localhost";

const CONFIG: &str = "timezone: Asia/Shanghai
database: story.db
ledger:
  sources:
    - ledger.csv
alerts:
  warn_days: 15
  repeat_interval: 7d
  escalate_after: 7d
email:
  to: [finance@localhost]
  escalate: [leader@localhost]
  transport: file
  file: {dir: outbox}
funds:
  - {id: ng, code: NG, name: 网络综合治理体系建设专项资金, year: 2025, budget: 15.00万元}
  - {id: ip, code: IP, name: 招商引资专项业务费, year: 2025, budget: 10.00万元}
";

const LEDGER: &str = "日期,项目,凭证号,摘要,金额
2025-03-15,NG,记-0001,舆情监测服务费,40000.00
2025-03-20,IP,记-0002,招商推介会,30000.00
2025-06-10,IP,记-0003,客商接待,12000.00
";

struct Story {
    wd: Workdir,
    outbox: Vec<OutboxRow>,
    /// The plain-text part of each `.eml` the file transport wrote, in the order written (the
    /// outbox's order: each check delivers its emails before the next check).
    texts: Vec<String>,
}

fn story() -> &'static Story {
    static STORY: OnceLock<Story> = OnceLock::new();
    STORY.get_or_init(|| {
        let wd = Workdir::empty();
        wd.write_str("config.yaml", CONFIG);
        wd.write_str("ledger.csv", LEDGER);
        let mut d = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("a day");
        let last = chrono::NaiveDate::from_ymd_opt(2025, 8, 10).expect("a day");
        while d <= last {
            let as_of = d.to_string();
            if as_of == "2025-07-03" {
                wd.run(&[
                    "explain",
                    "ng",
                    "--reason",
                    "经费保障",
                    "--text",
                    "合同5月签订，按合同约定9月验收后付款",
                    "--until",
                    "2025-07-20",
                    "--as-of",
                    &as_of,
                ])
                .ok();
            }
            wd.run(&["check", "--as-of", &as_of]).ok();
            d = d.succ_opt().expect("next day");
        }
        let outbox = wd.outbox(DB);
        let mut files: Vec<_> = std::fs::read_dir(wd.join("outbox"))
            .expect("the outbox folder")
            .map(|f| f.expect("a file").path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        let texts = files
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).expect("read .eml");
                let msg = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("an .eml file is a message");
                msg.body_text(0).expect("a text part").into_owned()
            })
            .collect();
        Story { wd, outbox, texts }
    })
}

/// `MM-DD to subject` for every email, in order.
fn said() -> Vec<String> {
    story()
        .outbox
        .iter()
        .map(|r| format!("{} {} {}", &r.check_day[5..], r.to.join("+"), r.subject))
        .collect()
}

#[test]
fn season_story_levels_explanation_and_escalation() {
    let expected = [
        format!("06-15 {FINANCE} 【支出进度预警】2个项目黄色预警"),
        format!("06-22 {FINANCE} 【支出进度预警】2个项目黄色预警"),
        format!(
            "06-23 {FINANCE} 【支出进度预警】网络综合治理体系建设专项资金 橙色预警：距6月底50%支出节点剩余7天，尚未达标"
        ),
        format!(
            "06-29 {FINANCE} 【支出进度预警】招商引资专项业务费 黄色预警：距6月底50%支出节点剩余1天，尚未达标"
        ),
        format!(
            "06-30 {FINANCE} 【支出进度预警】网络综合治理体系建设专项资金 橙色预警：距6月底50%支出节点今天到期，尚未达标"
        ),
        format!("07-01 {FINANCE} 【支出进度预警】2个项目红色预警"),
        format!(
            "07-08 {FINANCE}+{LEADER} 【支出进度预警·报送领导】招商引资专项业务费 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "07-15 {FINANCE} 【支出进度预警】招商引资专项业务费 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "07-21 {FINANCE} 【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "07-22 {FINANCE} 【支出进度预警】招商引资专项业务费 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "07-28 {FINANCE}+{LEADER} 【支出进度预警·报送领导】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "07-29 {FINANCE} 【支出进度预警】招商引资专项业务费 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "08-04 {FINANCE} 【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度"
        ),
        format!(
            "08-05 {FINANCE} 【支出进度预警】招商引资专项业务费 红色预警：未达6月底50%支出进度"
        ),
    ];
    assert_eq!(said(), expected, "the outbox, day by day");
}

#[test]
fn season_story_alert_history_records_each_step() {
    let out = story().wd.run(&["alerts"]);
    out.ok();
    for reason in ["首次通知", "情况说明到期", "报送领导", "重复提醒"] {
        assert!(
            out.stdout.contains(reason),
            "the history shows {reason}:\n{}",
            out.stdout
        );
    }
}

/// The emails of the story's turning points, as the reader gets them.
#[test]
fn season_story_emails() {
    let s = story();
    assert_eq!(s.texts.len(), s.outbox.len(), "one .eml per email");
    let on = |day: &str| {
        let i = s
            .outbox
            .iter()
            .position(|r| r.check_day == day)
            .unwrap_or_else(|| panic!("an email on {day}"));
        s.texts[i].clone()
    };
    insta::assert_snapshot!("story_0623_orange", on("2025-06-23"));
    insta::assert_snapshot!("story_0708_escalated", on("2025-07-08"));
    insta::assert_snapshot!("story_0721_expired", on("2025-07-21"));
    insta::assert_snapshot!("story_0728_escalated_after_expiry", on("2025-07-28"));
}
