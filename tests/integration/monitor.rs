//! `spendwatch report monitor`: the 监控表 written by the real binary on the shipped config and
//! sample ledgers, read back cell by cell with calamine — the money against the ledger totals
//! (`status --format json`), the indicator rows against the config, names as text cells.

use calamine::{Data, Range, Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::util::{IP, IP_NAME, NG, NG_NAME, Workdir, fund_of};

/// The rows of the fund sheets (0-based): 项目名称, 主管部门/实施单位, the money figures, the
/// goal and its progress, the first indicator row.
const PROJECT_ROW: u32 = 2;
const UNITS_ROW: u32 = 3;
const MONEY_ROW: u32 = 5;
const GOAL_ROW: u32 = 7;
const FIRST_INDICATOR_ROW: u32 = 10;

fn read(wd: &Workdir, file: &str) -> (Vec<String>, Xlsx<std::io::BufReader<std::fs::File>>) {
    let book: Xlsx<_> = open_workbook(wd.join(file)).expect("the form is an XLSX workbook");
    (book.sheet_names().clone(), book)
}

fn sheet(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn at(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match at(range, row, col) {
        Data::String(s) => s,
        Data::Empty => String::new(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn number(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match at(range, row, col) {
        Data::Float(n) => n,
        Data::Int(n) => n as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

/// An amount of the JSON (`"81234.56"`, 元) in 分.
fn fen(amount: &Value) -> i64 {
    let text = amount.as_str().expect("an amount is a string");
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let whole: i64 = whole.trim_start_matches('-').parse().expect("digits");
    let cents: i64 = format!("{cents:0<2}")[..2].parse().expect("digits");
    sign * (whole * 100 + cents)
}

/// 分 as the form shows them: 万元 with two decimals, half away from zero.
fn wan(fen: i64) -> f64 {
    let hundreds = (fen.abs() + 5_000) / 10_000;
    (fen.signum() * hundreds) as f64 / 100.0
}

/// The config's indicators of `fund` (`None`: the department's own), as written.
fn configured(wd: &Workdir, fund: Option<&str>) -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(wd.join("config.yaml")).expect("config.yaml");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    doc["indicators"]["items"]
        .as_sequence()
        .expect("indicators.items")
        .iter()
        .filter(|i| i["fund"].as_str() == fund)
        .cloned()
        .collect()
}

fn yaml_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// Checks the indicator rows from `first` against the config and the judgements of the JSON
/// (`judged`: its `indicators` array).
/// Returns the ids of the rows with a 完成值.
fn check_rows(
    range: &Range<Data>,
    first: u32,
    items: &[serde_yaml::Value],
    judged: &Value,
) -> Vec<String> {
    let (mut tier1, mut tier2) = (String::new(), String::new());
    let mut judged_rows = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let row = first + k as u32;
        // 一级 and 二级 are merged down over runs: the text is in the run's first cell.
        let t1 = text(range, row, 0);
        if !t1.is_empty() {
            tier1 = t1;
        }
        let t2 = text(range, row, 1);
        if !t2.is_empty() {
            tier2 = t2;
        }
        let id = item["id"].as_str().expect("id");
        assert_eq!(tier1, format!("{}指标", yaml_text(&item["tier1"])), "{id}");
        assert_eq!(tier2, format!("{}指标", yaml_text(&item["tier2"])), "{id}");
        assert_eq!(text(range, row, 2), yaml_text(&item["name"]), "{id}");
        let comparator = yaml_text(&item["comparator"]);
        let target = yaml_text(&item["target"]);
        let expected_target = if comparator == "定性" {
            target
        } else {
            format!("{comparator}{target}{}", yaml_text(&item["unit"]))
        };
        assert_eq!(text(range, row, 3), expected_target, "{id}");
        let judgement = judged
            .as_array()
            .and_then(|list| list.iter().find(|j| j["id"] == id));
        let remark = text(range, row, 12);
        match judgement.filter(|j| !j["actual"].is_null()) {
            None => {
                assert_eq!(at(range, row, 4), Data::Empty, "{id}");
                assert_eq!(text(range, row, 11), "", "{id}: no 可能性 without a 完成值");
                let word = if comparator == "定性" {
                    "未评价"
                } else {
                    "无完成值"
                };
                assert!(remark.starts_with(word), "{id}: {remark}");
            }
            Some(j) => {
                let actual = j["actual"].as_str().expect("actual");
                match actual.parse::<f64>() {
                    Ok(n) => {
                        let shown = number(range, row, 4);
                        let n = if yaml_text(&item["unit"]) == "%" {
                            n / 100.0
                        } else {
                            n
                        };
                        assert!((shown - n).abs() < 1e-9, "{id}: {shown} ≠ {n}");
                    }
                    Err(_) => assert_eq!(text(range, row, 4), actual, "{id}"),
                }
                let likelihood = match j["likelihood"].as_str() {
                    Some("certain") => "确定能",
                    Some("possible") => "有可能",
                    _ => "完全不可能",
                };
                assert_eq!(text(range, row, 11), likelihood, "{id}");
                if let Some(central) = j["outlook"]["central"].as_f64() {
                    let shown = number(range, row, 5);
                    let central = if yaml_text(&item["unit"]) == "%" {
                        central / 100.0
                    } else {
                        central
                    };
                    // Rounded to the decimals shown (two for 万元).
                    assert!((shown - central).abs() < 0.005, "{id}: {shown} ≠ {central}");
                }
                judged_rows.push(id.to_owned());
            }
        }
        // Nothing deviates without a judgement; no 情况说明 here either.
        for col in 6..=10 {
            assert_eq!(text(range, row, col), "", "{id}: column {col}");
        }
    }
    assert_eq!(
        at(range, first + items.len() as u32, 2),
        Data::Empty,
        "no row beyond the configured indicators"
    );
    judged_rows
}

#[test]
fn the_form_of_the_samples_reads_back_against_the_ledger_and_the_config() {
    let wd = Workdir::samples();
    let out = wd.run(&["report", "monitor", "--as-of", "2025-08-12", "-o", "m.xlsx"]);
    out.ok()
        .stdout_has("已写入 m.xlsx：项目支出绩效目标执行监控表（2025年1-7月），部门汇总及2个项目，数据截至2025年7月31日")
        .stderr_has("2025年8月12日不是月末；监控表按月填报，数据截至上一个月末（2025年7月31日）");
    // The figures are those of 07-31.
    let status = wd.status_json("2025-07-31");
    let (names, mut book) = read(&wd, "m.xlsx");
    assert_eq!(names, ["部门汇总", NG_NAME, IP_NAME]);
    let department = "中共唐山市路南区委网络安全和信息化委员会办公室";
    let mut spent_sum = 0.0;
    let mut year_end_sum = 0.0;
    for (id, name, budget) in [(NG, NG_NAME, 15.0), (IP, IP_NAME, 10.0)] {
        let s = sheet(&mut book, name);
        let fund = fund_of(&status, id);
        assert_eq!(text(&s, 0, 0), "项目支出绩效目标执行监控表（2025年1-7月）");
        assert_eq!(text(&s, 1, 0), format!("填报单位：{department}"));
        assert_eq!(text(&s, 1, 9), "单位：万元");
        assert_eq!(text(&s, PROJECT_ROW, 2), name);
        assert_eq!(text(&s, UNITS_ROW, 2), department);
        assert_eq!(text(&s, UNITS_ROW, 11), department);
        assert_eq!(text(&s, MONEY_ROW - 1, 4), "1-7月执行数");
        assert_eq!(number(&s, MONEY_ROW, 2), budget);
        let spent = fen(&fund["spent"]);
        assert!(spent > 0, "the samples spend something by 07-31");
        assert_eq!(number(&s, MONEY_ROW, 4), wan(spent), "{id} 1-7月执行数");
        let rate = number(&s, MONEY_ROW, 6);
        assert!(
            (rate - spent as f64 / (budget * 1_000_000.0)).abs() < 1e-12,
            "{id} 执行率 {rate}"
        );
        let year_end = fen(&fund["forecast"]["year_end_spent"]["central"]);
        assert_eq!(
            number(&s, MONEY_ROW, 11),
            wan(year_end),
            "{id} 全年预计执行数"
        );
        spent_sum += wan(spent);
        year_end_sum += wan(year_end);
        let goal = text(&s, GOAL_ROW, 2);
        assert!(goal.starts_with("1."), "{id}: {goal}");
        let progress = text(&s, GOAL_ROW, 7);
        assert!(
            progress.starts_with(&format!(
                "截至2025年7月31日，项目资金执行{:.2}万元",
                wan(spent)
            )),
            "{id}: {progress}"
        );
        assert_eq!(text(&s, FIRST_INDICATOR_ROW - 2, 6), "偏差原因分析");
        assert_eq!(text(&s, FIRST_INDICATOR_ROW - 1, 9), "硬件条件保障");
        let judged = check_rows(
            &s,
            FIRST_INDICATOR_ROW,
            &configured(&wd, Some(id)),
            &fund["indicators"],
        );
        // 项目总成本 is the fund's own spending: judged without any reading.
        if id == IP {
            assert!(judged.contains(&"ip-total-cost".to_owned()), "{judged:?}");
        }
    }
    // The summary: a line per fund, the total of what the lines show, the department's own.
    let s = sheet(&mut book, "部门汇总");
    assert_eq!(text(&s, 4, 0), NG_NAME);
    assert_eq!(text(&s, 5, 0), IP_NAME);
    assert_eq!(text(&s, 6, 0), "合计");
    assert_eq!(number(&s, 6, 3), 25.0);
    assert!((number(&s, 6, 4) - spent_sum).abs() < 1e-9);
    assert!((number(&s, 6, 6) - year_end_sum).abs() < 1e-9);
    assert_eq!(text(&s, 8, 0), "部门分项绩效目标");
    check_rows(
        &s,
        11,
        &configured(&wd, None),
        &status["department"]["indicators"],
    );
}

#[test]
fn texts_from_the_config_stay_text_and_absent_keys_say_so() {
    let wd = Workdir::samples();
    wd.edit_config(|doc| {
        let map = doc.as_mapping_mut().expect("a mapping");
        map.remove("department");
        let fund = &mut doc["funds"][0];
        fund["name"] = "=HYPERLINK(\"http://x\",\"点击\")".into();
        fund["goal"] = "@SUM(1,2)".into();
        doc["funds"][1]
            .as_mapping_mut()
            .expect("a fund")
            .remove("goal");
    });
    wd.run(&["report", "monitor", "--as-of", "2025-07-31", "-o", "m.xlsx"])
        .ok();
    let (names, mut book) = read(&wd, "m.xlsx");
    // The sheet name loses the characters a sheet name cannot hold.
    assert_eq!(names[1], "=HYPERLINK(\"http___x\",\"点击\")");
    let s = sheet(&mut book, &names[1]);
    assert_eq!(
        at(&s, PROJECT_ROW, 2),
        Data::String("=HYPERLINK(\"http://x\",\"点击\")".into())
    );
    assert_eq!(at(&s, GOAL_ROW, 2), Data::String("@SUM(1,2)".into()));
    assert_eq!(text(&s, 1, 0), "填报单位：（未配置）");
    assert_eq!(text(&s, UNITS_ROW, 2), "（未配置）");
    let s = sheet(&mut book, IP_NAME);
    assert_eq!(text(&s, GOAL_ROW, 2), "（未配置）");
}

#[test]
fn a_year_without_funds_is_refused_and_a_bad_output_path_names_the_file() {
    let wd = Workdir::samples();
    wd.run(&["report", "monitor", "--as-of", "2024-12-31", "-o", "m.xlsx"])
        .expect_code(2)
        .stderr_has("监控表数据截至2024年12月31日，但配置中没有2024年度的项目（配置中的项目年度：2025）；请用 --as-of 指定项目年度内的日期");
    assert!(!wd.exists("m.xlsx"));
    wd.run(&[
        "report",
        "monitor",
        "--as-of",
        "2025-07-31",
        "-o",
        "no/such/m.xlsx",
    ])
    .expect_code(1)
    .stderr_has("no/such/m.xlsx：无法写入监控表");
}
