//! The reader of readings against the shipped config's indicators: each form it reads, each
//! problem it refuses (with its place, column and cause), and the template read back.

use std::path::Path;

use chrono::NaiveDate;

use super::template::write_filled;
use super::*;
use crate::config::Config;
use crate::core::{Actual, Decimal, Judgement};

fn config() -> Config {
    crate::config::parse(
        include_str!("../../config.yaml"),
        Path::new("/srv/sw/config.yaml"),
        Path::new("/srv/sw"),
    )
    .expect("the shipped config")
}

fn read(text: &str) -> Result<ReadingsFile, Vec<String>> {
    read_bytes(text.as_bytes(), "csv")
}

fn read_bytes(bytes: &[u8], extension: &str) -> Result<ReadingsFile, Vec<String>> {
    let c = config();
    read_readings(bytes, extension, &c.indicators, &c.funds).map_err(|(problems, _)| {
        problems
            .iter()
            .map(|p| match &p.location {
                Some(at) => format!("{at}: {}", p.message),
                None => p.message.clone(),
            })
            .collect()
    })
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a day")
}

fn n(text: &str) -> Actual {
    Actual::Number(Decimal::parse(text).expect("a number"))
}

const HEADER: &str = "日期,项目,指标,完成值,说明\n";

#[test]
fn every_form_of_date_name_and_value_is_read() {
    let text = format!(
        "绩效指标完成值（2025年）\n\n{HEADER}\
         2025-07,网络综合治理体系建设专项资金,上报涉唐舆情数量,120条,专员借调\n\
         2025/8/15,network-governance,ng-reach,\"1,200\",\n\
         2025年9月,,yq-handling,95%,\n\
         2025-12-31,部门,jiping-posts,达成,投稿2篇\n\
         2025-10,13020225P009015100013,ip-signed,2,\n\
         2025-11,,posts,,\n"
    );
    let got = read(&text).expect("good");
    let readings: Vec<_> = got
        .readings
        .iter()
        .map(|l| {
            (
                l.reading.indicator.as_str(),
                l.reading.day,
                l.reading.value,
                l.reading.note.as_deref(),
                l.at.as_str(),
            )
        })
        .collect();
    assert_eq!(
        readings,
        [
            (
                "ng-yq-reports",
                day(2025, 7, 31),
                n("120"),
                Some("专员借调"),
                "4"
            ),
            ("ng-reach", day(2025, 8, 15), n("1200"), None, "5"),
            ("yq-handling", day(2025, 9, 30), n("95"), None, "6"),
            (
                "jiping-posts",
                day(2025, 12, 31),
                Actual::Judgement(Judgement::Achieved),
                Some("投稿2篇"),
                "7"
            ),
            ("ip-signed", day(2025, 10, 31), n("2"), None, "8"),
        ]
    );
    // The template's rows not filled in are skipped and counted.
    assert_eq!(got.unfilled, 1);
}

/// Each bad row, alone in a file: its place, column, quoted cell, cause and remedy.
#[test]
fn each_problem_names_its_line_column_and_cell() {
    let cases: &[(&str, &str)] = &[
        (
            "2025-07,,no-such,1,",
            "2: C列（指标）\"no-such\" 不是配置中的指标；请填写指标编号或三级指标名称（spendwatch config check",
        ),
        (
            "2025-07,,ng-analysis,95条,",
            "2: D列（完成值）\"95条\" 的单位\"条\"与指标的单位\"%\"不符；请按指标的单位填写",
        ),
        (
            "2025-07,,ng-analysis,很好,",
            "2: D列（完成值）\"很好\" 不是数字；请填写数字（单位为\"%\"，可写在数字后）",
        ),
        (
            "2025-07,,ng-yq-reports,达成,",
            "2: D列（完成值）\"达成\" 是定性评价，而指标“上报涉唐舆情数量”是数值指标（≥1000条）；请填写数字",
        ),
        (
            "2025-07,,jiping-posts,1,",
            "2: D列（完成值）\"1\" 不是定性评价：指标“在“冀评之家”等省市平台投稿”是定性指标；请填写 达成、基本达成 或 未达成",
        ),
        (
            "2024-12,,yq-reports,10,",
            "2: A列（日期）\"2024-12\" 不在2025年内：部门整体绩效指标按配置中最新的项目年度（2025年）评价；请改正日期",
        ),
        (
            "2025-13,,yq-reports,10,",
            "2: A列（日期）\"2025-13\" 不是有效的月份；请写成 2025-07、2025年7月 或 2025-07-31",
        ),
        (
            "下月,,yq-reports,10,",
            "2: A列（日期）\"下月\" 不是可识别的日期",
        ),
        (
            "2025-12,,ip-total-cost,9.5,",
            "2: C列（指标）\"ip-total-cost\" 是按账簿支出计算的指标（项目总成本），完成值取自账簿，不用填报；请删除这一行",
        ),
        (
            "2025-07,招商引资专项业务费,ng-yq-reports,10,",
            "2: B列（项目）\"招商引资专项业务费\" 与指标“上报涉唐舆情数量”所属的项目不符（该指标属于网络综合治理体系建设专项资金）",
        ),
        (
            "2025-07,网络综合治理,yq-reports,10,",
            "2: B列（项目）\"网络综合治理\" 与指标“收集研判并上报涉及唐山舆情信息”所属的项目不符（该指标属于部门自身（不属于任何项目））",
        ),
        (
            "2025-07,某项目,yq-reports,10,",
            "2: B列（项目）\"某项目\" 不是配置中的项目",
        ),
        (
            "2025-07,,yq-reports,\"12,00\",",
            "2: D列（完成值）\"12,00\" 的千位分隔符位置不对",
        ),
        ("2025-07,,yq-reports,-3,", "2: D列（完成值）\"-3\" 是负数"),
    ];
    for (row, expected) in cases {
        let problems = read(&format!("{HEADER}{row}\n")).expect_err(row);
        assert_eq!(problems.len(), 1, "{row}: {problems:#?}");
        assert!(
            problems[0].starts_with(expected),
            "{row}:\n  got      {}\n  expected {expected}…",
            problems[0]
        );
    }
}

#[test]
fn a_unit_column_that_disagrees_is_a_unit_mismatch() {
    let problems = read("日期,指标,单位,完成值\n2025-07,ng-analysis,条,95\n").expect_err("bad");
    assert_eq!(
        problems,
        [
            "2: C列（单位）\"条\" 与指标“对属地内重大舆情事件分析”的单位\"%\"不符；请按指标的单位填写完成值，并把单位改回\"%\""
        ]
    );
    assert!(read("日期,指标,单位,完成值\n2025-07,ng-analysis,%,95\n").is_ok());
}

#[test]
fn a_month_twice_names_both_lines_and_the_whole_file_is_rejected() {
    let problems = read(&format!(
        "{HEADER}2025-07,,yq-reports,10,\n2025-07-15,,posts,2,\n2025-07-31,,yq-reports,12,\nx,,nope,1,\n"
    ))
    .expect_err("bad");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("4: C列（指标）\"yq-reports\" 的2025年7月完成值在第2行已经填过"),
        "{}",
        problems[0]
    );
    assert!(problems[1].starts_with("5: "), "{}", problems[1]);
}

#[test]
fn a_name_shared_by_two_funds_needs_its_project_and_no_header_is_said() {
    // Not in the shipped config: two funds with an indicator of the same name.
    let text = include_str!("../../config.yaml")
        .replace("name: 举办招商引资活动数量", "name: 上报涉唐舆情数量");
    let c =
        crate::config::parse(&text, Path::new("/x/config.yaml"), Path::new("/x")).expect("valid");
    let read = |csv: &str| read_readings(csv.as_bytes(), "csv", &c.indicators, &c.funds);
    let (problems, _) =
        read(&format!("{HEADER}2025-07,,上报涉唐舆情数量,1,\n")).expect_err("ambiguous");
    assert!(problems[0].message.contains("是多个项目的三级指标"));
    let got = read(&format!("{HEADER}2025-07,招商引资,上报涉唐舆情数量,1,\n")).expect("good");
    assert_eq!(got.readings[0].reading.indicator, "ip-events");
    let (problems, _) = read("日期,金额\n2025-07,1\n").expect_err("no header");
    assert_eq!(
        problems[0].message,
        "文件中没有找到表头行，表头要有 日期、指标、完成值 三列（可另有 项目、三级指标、单位、说明 等列）；请用 spendwatch indicators template 生成的表格填写"
    );
}

#[test]
fn gbk_and_utf16_files_are_read_with_their_chinese() {
    let text = format!("{HEADER}2025年7月,部门,收集研判并上报涉及唐山舆情信息,90,暑期\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let got = read_bytes(&gbk, "csv").expect("gbk");
    assert_eq!(got.encoding, Some(crate::ledger::Encoding::Gb18030));
    assert_eq!(got.readings[0].reading.note.as_deref(), Some("暑期"));
    let bad = text.replace(",90,", ",九十,");
    let (gbk, _, _) = encoding_rs::GBK.encode(&bad);
    assert_eq!(
        read_bytes(&gbk, "csv").expect_err("bad"),
        ["2: D列（完成值）\"九十\" 不是数字；请填写数字（单位为\"条\"，可写在数字后）"]
    );
}

#[test]
fn the_template_reads_back_unfilled_as_nothing_and_filled_as_written() {
    let c = config();
    let rows = template_rows(&c.indicators, &c.funds, 2025);
    // Every indicator but the ledger's 项目总成本, twelve month ends each.
    let takes = c
        .indicators
        .iter()
        .filter(|i| i.progress != crate::core::Progress::Ledger)
        .count();
    assert_eq!(rows.len(), takes * 12);
    let empty = write_template(&c.indicators, &c.funds, 2025).expect("template");
    let got = read_bytes(&empty, "xlsx").expect("unfilled template");
    assert!(got.readings.is_empty());
    assert_eq!(got.unfilled, rows.len());

    let filled = write_filled(&c.indicators, &c.funds, 2025, &|row| {
        let m = chrono::Datelike::month(&row.day);
        match (row.indicator.id.as_str(), m) {
            ("ng-yq-reports", 7) => Some(("50".into(), "借调".into())),
            ("ng-analysis", 7) => Some(("95%".into(), String::new())),
            ("jiping-posts", 12) => Some(("达成".into(), "2篇".into())),
            ("posts", 1) => Some(("2".into(), String::new())),
            _ => None,
        }
    })
    .expect("filled");
    let got = read_bytes(&filled, "xlsx").expect("filled template");
    let mut readings: Vec<_> = got
        .readings
        .iter()
        .map(|l| (l.reading.indicator.as_str(), l.reading.day, l.reading.value))
        .collect();
    readings.sort_by_key(|r| r.0);
    assert_eq!(
        readings,
        [
            (
                "jiping-posts",
                day(2025, 12, 31),
                Actual::Judgement(Judgement::Achieved)
            ),
            ("ng-analysis", day(2025, 7, 31), n("95")),
            ("ng-yq-reports", day(2025, 7, 31), n("50")),
            ("posts", day(2025, 1, 31), n("2")),
        ]
    );
    assert_eq!(got.unfilled, rows.len() - 4);
    assert!(got.readings.iter().all(|l| l.at.starts_with("完成值:")));
}

#[test]
fn a_cell_formatted_as_a_percentage_is_asked_about_not_read_as_a_hundredth() {
    use rust_xlsxwriter::{Format, Workbook};
    let book = |value: f64| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (col, h) in ["日期", "项目", "指标", "完成值"].iter().enumerate() {
            ws.write_string(0, u16::try_from(col).expect("col"), *h)
                .expect("header");
        }
        ws.write_string(1, 0, "2025-07").expect("day");
        ws.write_string(1, 2, "ng-analysis").expect("id");
        ws.write_number_with_format(1, 3, value, &Format::new().set_num_format("0%"))
            .expect("value");
        wb.save_to_buffer().expect("xlsx")
    };
    let problems = read_bytes(&book(0.95), "xlsx").expect_err("a percent cell");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("看起来是设为百分比格式的单元格（显示为 95%，存的是 0.95）")
            && problems[0].contains("填写 95（单位为%）"),
        "{problems:?}"
    );
    // 0 is 0 either way, and 95 as a plain number is 95.
    for (value, read) in [(0.0, "0"), (95.0, "95")] {
        let got = read_bytes(&book(value), "xlsx").expect("a plain number");
        assert_eq!(got.readings[0].reading.value, n(read));
    }
}

#[test]
fn the_departments_own_are_read_in_the_budget_year_only() {
    let problems = read(&format!("{HEADER}2024-07,部门,posts,2,\n")).expect_err("2024");
    assert!(
        problems[0].contains("部门整体绩效指标按配置中最新的项目年度（2025年）评价"),
        "{problems:?}"
    );
}
