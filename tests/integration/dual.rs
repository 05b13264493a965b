//! 双监控 through the real binary on the shipped config and samples (ledgers and readings):
//! the light and the indicators in `status`, the indicator part of the emails over the year,
//! and a refused file of readings told once to the admin and the finance recipients.

use std::sync::OnceLock;

use crate::util::{SAMPLE_DB, Workdir, fund_of};

fn indicator<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list.as_array()
        .expect("indicators is an array")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no indicator {id} in {list:#}"))
}

#[test]
fn status_shows_the_light_and_the_indicators_of_the_sample_year() {
    let wd = Workdir::samples_with_readings();
    // End of August: 舆情 behind 序时 while the officer is seconded; 招商 without a signing.
    let doc = wd.status_json("2025-08-31");
    let ng = fund_of(&doc, "network-governance");
    let ip = fund_of(&doc, "investment-promotion");
    assert_eq!(
        ng["light"], "red",
        "spending behind 序时 whatever the goals"
    );
    assert_eq!(ip["light"], "yellow", "on track spending, lagging goals");
    let yq = indicator(&ng["indicators"], "ng-yq-reports");
    assert_eq!(yq["actual"], "585");
    assert_eq!(yq["data_day"], "2025-08-31");
    assert_eq!(yq["state"], "lagging");
    // 1000 × 243/365.
    assert_eq!(yq["expected"]["value"], 665.7534);
    assert_eq!(yq["expected"]["basis"], "time");
    assert_eq!(yq["outlook"]["status"], "projected");
    assert_eq!(yq["stale_days"], serde_json::Value::Null);
    let signed = indicator(&ip["indicators"], "ip-signed");
    assert_eq!(signed["state"], "lagging");
    assert_eq!(signed["expected"]["basis"], "plan");
    // The ledger's own: 项目总成本 is the fund's spending in 万元, exactly.
    let cost = indicator(&ip["indicators"], "ip-total-cost");
    assert_eq!(cost["actual"], "6.88725");
    assert_eq!(cost["state"], "on_track");
    let dept = &doc["department"]["indicators"];
    assert_eq!(indicator(dept, "yq-reports")["actual"], "705");
    assert_eq!(indicator(dept, "jiping-posts")["actual"], "基本达成");
    assert_eq!(indicator(dept, "jiping-posts")["state"], "on_track");
    for f in [ng, ip] {
        for i in f["indicators"].as_array().expect("indicators") {
            assert_eq!(i["stale_days"], serde_json::Value::Null, "{i:#}");
        }
    }

    // End of October: caught up.
    let doc = wd.status_json("2025-10-31");
    let yq = indicator(
        &fund_of(&doc, "network-governance")["indicators"],
        "ng-yq-reports",
    );
    assert_eq!(
        (&yq["actual"], &yq["state"]),
        (&"845".into(), &"on_track".into())
    );

    // The year's end: the 定性 goal judged, final values.
    let doc = wd.status_json("2025-12-31");
    let jiping = indicator(&doc["department"]["indicators"], "jiping-posts");
    assert_eq!(jiping["actual"], "达成");
    assert_eq!(jiping["likelihood"], "certain");
    assert_eq!(jiping["outlook"]["status"], "final");
    let yq = indicator(
        &fund_of(&doc, "network-governance")["indicators"],
        "ng-yq-reports",
    );
    assert_eq!(yq["outlook"]["value"], "1020");
    assert_eq!(yq["likelihood"], "certain");

    // The table: the light's sentence and the indicator rows, within 100 columns.
    let out = wd.run(&["status", "--as-of", "2025-08-31"]);
    out.ok()
        .stdout_has("双监控：红灯：支出进度落后于序时进度")
        .stdout_has("双监控：黄灯：支出进度正常，2项绩效指标滞后或超限（4项指标尚无完成值）")
        .stdout_has("部门整体绩效目标");
    let row = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("上报涉唐舆情数量"))
        .expect("the row of 上报涉唐舆情数量");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "上报涉唐舆情数量",
            "≥1000条",
            "585条",
            "666条",
            "约798条",
            "有可能",
            "滞后"
        ]
    );
}

/// The sample year checked on the 5th of every month from June, and at 12-31.
struct Year {
    /// `MM-DD recipients subject` of every email, in order.
    said: Vec<String>,
    /// The plain text of every email, in order.
    texts: Vec<String>,
}

/// The plain text of every email the file transport wrote, in order.
fn texts(wd: &Workdir) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(wd.join("data/outbox"))
        .expect("the outbox folder")
        .map(|f| f.expect("a file").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let raw = std::fs::read(p).expect("read .eml");
            let msg = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("a message");
            msg.body_text(0).expect("a text part").into_owned()
        })
        .collect()
}

fn year() -> &'static Year {
    static YEAR: OnceLock<Year> = OnceLock::new();
    YEAR.get_or_init(|| {
        let wd = Workdir::samples_with_readings();
        for day in [
            "2025-06-05",
            "2025-07-05",
            "2025-08-05",
            "2025-09-05",
            "2025-10-05",
            "2025-11-05",
            "2025-12-05",
            "2025-12-31",
        ] {
            wd.run(&["check", "--as-of", day]).ok();
        }
        let said = wd
            .outbox(SAMPLE_DB)
            .iter()
            .map(|r| format!("{} {} {}", &r.check_day[5..], r.to.join("+"), r.subject))
            .collect();
        let texts = texts(&wd);
        Year { said, texts }
    })
}

#[test]
fn indicator_alerts_join_the_finance_emails_over_the_year() {
    let finance: Vec<&str> = year()
        .said
        .iter()
        .map(String::as_str)
        .filter(|s| s.contains(" finance@localhost "))
        .collect();
    assert_eq!(
        finance,
        [
            "06-05 finance@localhost 【指标预警】组织志愿者团队 指标预警：低于指标值",
            "07-05 finance@localhost 【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度；绩效指标：4项指标预警、1项已恢复",
            "08-05 finance@localhost 【指标预警】网络综合治理体系建设专项资金 已补齐6月底50%支出进度；绩效指标：4项指标预警",
            "09-05 finance@localhost 【指标预警】4项指标预警",
            "10-05 finance@localhost 【指标预警】5项指标预警",
            "11-05 finance@localhost 【支出进度预警】招商引资专项业务费 未达10月底75%支出进度（现已补齐）；绩效指标：3项指标预警、2项已恢复",
            "12-05 finance@localhost 【指标预警】1项指标预警、2项已恢复",
            "12-31 finance@localhost 【支出进度预警】网络综合治理体系建设专项资金 黄色预警：距12月底100%支出节点今天到期，尚未达标；绩效指标：开展线下多种主题的宣传活动 已恢复：已恢复正常",
        ]
    );
    let august = year()
        .texts
        .iter()
        .find(|t| t.contains("截至2025年8月5日") && t.contains("绩效指标"))
        .expect("the August email");
    for line in [
        "【指标预警】网络综合治理体系建设专项资金：上报涉唐舆情数量：滞后",
        "  指标值 ≥1000条，完成值 530条（截至2025年7月31日），序时应达 581条（按序时），差51条。",
        "【指标预警】部门整体绩效目标：收集研判并上报涉及唐山舆情信息：滞后",
        "绩效指标明细：",
        "序时应达=指标值×截至完成值日期的序时进度",
    ] {
        assert!(august.contains(line), "{line:?} not in:\n{august}");
    }
    let november = year()
        .texts
        .iter()
        .find(|t| t.contains("截至2025年11月5日") && t.contains("绩效指标"))
        .expect("the November email");
    assert!(
        november.contains("【已恢复】网络综合治理体系建设专项资金：上报涉唐舆情数量：已恢复正常"),
        "{november}"
    );
}

#[test]
fn a_refused_file_of_readings_is_told_once_to_the_admin_and_the_finance_recipients() {
    let wd = Workdir::samples_with_readings();
    wd.write_str(
        "data/indicators/补报.csv",
        "日期,项目,指标,完成值,说明\n2025-07,,no-such,3,\n",
    );
    wd.run(&["check", "--as-of", "2025-08-05"]).ok();
    wd.run(&["check", "--as-of", "2025-08-06"]).ok();
    let told: Vec<String> = wd
        .outbox(SAMPLE_DB)
        .iter()
        .filter(|r| r.subject.contains("导入失败") || r.subject.contains("系统通知"))
        .map(|r| format!("{} {}", &r.check_day[5..], r.to.join("+")))
        .collect();
    assert_eq!(told, ["08-05 admin@localhost", "08-05 finance@localhost"]);
    let refused: Vec<String> = texts(&wd)
        .into_iter()
        .filter(|t| t.contains("完成值文件 data/indicators/补报.csv 未能导入"))
        .collect();
    assert_eq!(refused.len(), 2, "one to each");
    for text in refused {
        assert!(
            text.contains("data/indicators/补报.csv:2: C列（指标）\"no-such\" 不是配置中的指标")
                && text.contains("该文件还没有成功导入过"),
            "{text}"
        );
    }
}
