//! Files of readings (完成值) through the real binary, on the shipped config (its
//! `indicators.sources` is `data/indicators/*.csv`, plus `.xlsx`/`.xls` added here): replace
//! by source, bad files rejected whole with `file:line:`, each format read, the template.

use crate::util::{SAMPLE_DB, Workdir, X, repo};

/// The readings in force, as (indicator, day, number or judgement, source file name).
fn readings(wd: &Workdir) -> Vec<(String, String, String, String)> {
    let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT r.indicator, r.day, COALESCE(r.number, r.judgement), s.path
             FROM readings r JOIN reading_sources s ON s.id = r.source_id
             ORDER BY r.indicator, r.day",
        )
        .expect("prepare");
    stmt.query_map([], |r| {
        let path: String = r.get(3)?;
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, name))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

fn r(indicator: &str, day: &str, value: &str, file: &str) -> (String, String, String, String) {
    (indicator.into(), day.into(), value.into(), file.into())
}

/// The shipped config with files of readings of every format.
fn workdir() -> Workdir {
    let wd = Workdir::samples();
    wd.edit_config(|doc| {
        doc["indicators"]["sources"] = serde_yaml::from_str(
            "[data/indicators/*.csv, data/indicators/*.xlsx, data/indicators/*.xls]",
        )
        .expect("yaml");
    });
    wd
}

fn check(wd: &Workdir) -> crate::util::Output {
    let out = wd.run(&["check", "--as-of", "2025-08-05"]);
    out.ok();
    out
}

const HEADER: &str = "日期,项目,指标,完成值,说明\n";

#[test]
fn a_new_version_replaces_a_bad_one_keeps_and_nothing_counts_twice() {
    let wd = workdir();
    wd.write_str(
        "data/indicators/a.csv",
        &format!("{HEADER}2025-06,,posts,2,\n2025-07,,posts,3,\n2025-07,,yq-reports,65,借调\n"),
    );
    check(&wd).stderr_has("data/indicators/a.csv: 读入完成值 3 条；取代原有完成值 0 条");
    assert_eq!(
        readings(&wd),
        [
            r("posts", "2025-06-30", "2", "a.csv"),
            r("posts", "2025-07-31", "3", "a.csv"),
            r("yq-reports", "2025-07-31", "65", "a.csv"),
        ]
    );
    // Unchanged: not read again.
    let out = check(&wd);
    assert!(!out.stderr.contains("a.csv"), "{}", out.stderr);

    // A corrected version replaces the file's readings as a whole.
    wd.write_str(
        "data/indicators/a.csv",
        &format!("{HEADER}2025-07,,posts,4,\n2025-07,,yq-reports,66,\n"),
    );
    check(&wd).stderr_has("data/indicators/a.csv: 读入完成值 2 条；取代原有完成值 3 条");
    let good = [
        r("posts", "2025-07-31", "4", "a.csv"),
        r("yq-reports", "2025-07-31", "66", "a.csv"),
    ];
    assert_eq!(readings(&wd), good);

    // A bad version is rejected whole, with every problem; the good one stays in force.
    wd.write_str(
        "data/indicators/a.csv",
        &format!("{HEADER}2025-07,,posts,5,\n2025-07,,nope,1,\n2025-08,,yq-reports,很多,\n"),
    );
    let out = check(&wd);
    out.stderr_has("data/indicators/a.csv:3: C列（指标）\"nope\" 不是配置中的指标")
        .stderr_has("data/indicators/a.csv:4: D列（完成值）\"很多\" 不是数字")
        .stderr_has("完成值文件 data/indicators/a.csv 被拒绝；原有版本（完成值 2 条）继续有效");
    assert_eq!(readings(&wd), good);
    // Told once: the same bad version again says it was rejected before.
    check(&wd).stderr_has("被拒绝（被拒绝后未改动）");

    // The same indicator and month through a second file: that file is rejected, naming both.
    wd.write_str(
        "data/indicators/b.csv",
        &format!("{HEADER}2025-08,,posts,1,\n2025-07-20,,yq-reports,9,\n"),
    );
    check(&wd).stderr_has(
        "data/indicators/b.csv:3: 指标“收集研判并上报涉及唐山舆情信息”（yq-reports）2025年7月的完成值已由 data/indicators/a.csv:3 计入",
    );
    assert_eq!(readings(&wd), good);
    // The same clash is told once; when the other file lets go of the month, the file is
    // taken in without being touched (the clash was about the other file, not its bytes).
    check(&wd).stderr_has("被拒绝（被拒绝后未改动）");
    wd.write_str(
        "data/indicators/a.csv",
        &format!("{HEADER}2025-07,,posts,4,\n"),
    );
    check(&wd).stderr_has("data/indicators/b.csv: 读入完成值 2 条");
    assert_eq!(
        readings(&wd),
        [
            r("posts", "2025-07-31", "4", "a.csv"),
            r("posts", "2025-08-31", "1", "b.csv"),
            r("yq-reports", "2025-07-20", "9", "b.csv"),
        ]
    );
    wd.write_str(
        "data/indicators/a.csv",
        &format!("{HEADER}2025-07,,posts,4,\n2025-07,,yq-reports,66,\n"),
    );
    // Now a.csv is the newcomer: it is the one refused, and b.csv keeps the month.
    check(&wd).stderr_has("data/indicators/a.csv:3: 指标“收集研判并上报涉及唐山舆情信息”（yq-reports）2025年7月的完成值已由 data/indicators/b.csv:3 计入");
    std::fs::remove_file(wd.join("data/indicators/b.csv")).expect("remove b");
    check(&wd);
    wd.write_str("data/indicators/b.csv", HEADER);
    check(&wd);
    assert_eq!(readings(&wd), good);

    // A file that vanishes keeps its readings; one the config no longer names leaves force.
    std::fs::remove_file(wd.join("data/indicators/b.csv")).expect("remove");
    std::fs::rename(
        wd.join("data/indicators/a.csv"),
        wd.join("data/indicators/a.txt"),
    )
    .expect("rename");
    check(&wd).stderr_has("a.csv: indicators.sources 已不再包含它，它的 2 条完成值不再计入");
    assert!(readings(&wd).is_empty());
}

#[test]
fn bad_files_are_each_rejected_whole_with_file_and_line() {
    let wd = workdir();
    let files: &[(&str, &str, &str)] = &[
        (
            "unknown.csv",
            "2025-07,,posts,2,\n2025-07,,no-such,1,\n",
            "data/indicators/unknown.csv:3: C列（指标）\"no-such\" 不是配置中的指标；请填写指标编号或三级指标名称（spendwatch config check 列出全部指标及其编号",
        ),
        (
            "unit.csv",
            "2025-07,,posts,2,\n2025-07,,yq-handling,95条,\n",
            "data/indicators/unit.csv:3: D列（完成值）\"95条\" 的单位\"条\"与指标的单位\"%\"不符",
        ),
        (
            "number.csv",
            "2025-07,,posts,两条,\n",
            "data/indicators/number.csv:2: D列（完成值）\"两条\" 不是数字",
        ),
        (
            "twice.csv",
            "2025-07,,posts,2,\n2025-07-31,,posts,3,\n",
            "data/indicators/twice.csv:3: C列（指标）\"posts\" 的2025年7月完成值在第2行已经填过",
        ),
        (
            "judgement.csv",
            "2025-07,,posts,达成,\n",
            "data/indicators/judgement.csv:2: D列（完成值）\"达成\" 是定性评价，而指标“在网信路南的政务新媒体平台上信息发布”是数值指标（≥24条）；请填写数字",
        ),
    ];
    for (name, rows, _) in files {
        wd.write_str(
            &format!("data/indicators/{name}"),
            &format!("{HEADER}{rows}"),
        );
    }
    // A GBK file: its problem is told in correct Chinese.
    wd.write_gbk(
        "data/indicators/gbk.csv",
        &format!("完成值（2025年）\r\n{HEADER}2025年7月,部门,收集研判并上报涉及唐山舆情信息,六十五,暑期借调\r\n"),
    );
    let out = check(&wd);
    for (name, _, expected) in files {
        out.stderr_has(expected).stderr_has(&format!(
            "完成值文件 data/indicators/{name} 被拒绝；它还没有可用的版本"
        ));
    }
    out.stderr_has(
        "data/indicators/gbk.csv:3: D列（完成值）\"六十五\" 不是数字；请填写数字（单位为\"条\"，可写在数字后）",
    );
    assert!(readings(&wd).is_empty(), "no file is taken in part");
}

#[test]
fn xlsx_xls_and_gbk_csv_are_each_read() {
    let wd = workdir();
    wd.write_xlsx(
        "data/indicators/ng.xlsx",
        "完成值",
        &[
            vec![X::Text("网络综合治理 完成值")],
            vec![
                X::Text("日期"),
                X::Text("项目"),
                X::Text("指标"),
                X::Text("单位"),
                X::Text("完成值"),
            ],
            vec![
                X::Date(2025, 7, 31),
                X::Text("网络综合治理"),
                X::Text("上报涉唐舆情数量"),
                X::Text("条"),
                X::Number(50.0),
            ],
            vec![
                X::Text("2025-06"),
                X::Empty,
                X::Text("ng-analysis"),
                X::Text("%"),
                X::Text("95%"),
            ],
        ],
    );
    wd.copy_in(
        &repo().join("tests/data/readings/readings.xls"),
        "data/indicators/dept.xls",
    );
    wd.write_gbk(
        "data/indicators/ip.csv",
        &format!("{HEADER}2025/11/30,招商引资专项业务费,举办招商引资活动数量,1,秋季招商推介会\r\n"),
    );
    check(&wd)
        .stderr_has("data/indicators/ng.xlsx: 读入完成值 2 条")
        .stderr_has("data/indicators/dept.xls: 读入完成值 3 条；取代原有完成值 0 条；未读取 工作表\"旧\"（隐藏的工作表）")
        .stderr_has("data/indicators/ip.csv: 读入完成值 1 条");
    assert_eq!(
        readings(&wd),
        [
            r("ip-events", "2025-11-30", "1", "ip.csv"),
            r("jiping-posts", "2025-12-31", "达成", "dept.xls"),
            r("ng-analysis", "2025-06-30", "95", "ng.xlsx"),
            r("ng-yq-reports", "2025-07-31", "50", "ng.xlsx"),
            r("yq-reports", "2025-07-31", "65", "dept.xls"),
            r("yq-reports", "2025-08-31", "70", "dept.xls"),
        ]
    );
}

#[test]
fn the_template_is_written_once_and_read_back_as_no_readings() {
    let wd = workdir();
    let out = wd.run(&["indicators", "template"]);
    out.ok()
        .stderr_has("已写出 完成值-2025.xlsx：2025年 312 行");
    // Not over an existing file, unless told.
    wd.run(&["indicators", "template"])
        .expect_code(2)
        .stderr_has("完成值-2025.xlsx 已存在；要覆盖请加 --force");
    wd.run(&["indicators", "template", "--force"]).ok();
    wd.run(&["indicators", "template", "--year", "2024"])
        .expect_code(2)
        .stderr_has("配置中没有2024年的项目");
    std::fs::create_dir_all(wd.join("data/indicators")).expect("folder");
    wd.run(&["indicators", "template", "-o", "data/indicators/t.xlsx"])
        .ok();
    check(&wd).stderr_has(
        "data/indicators/t.xlsx: 读入完成值 0 条；取代原有完成值 0 条；跳过未填完成值的行 312 行",
    );
    assert!(readings(&wd).is_empty());
}

/// The README's first steps on the shipped config and samples: the readings are read and the
/// check goes on as before.
#[test]
fn the_shipped_samples_are_read() {
    let wd = Workdir::samples_with_readings();
    wd.run(&["check", "--as-of", "2025-12-31"])
        .ok()
        .stderr_has("data/indicators/网络综合治理-完成值.csv: 读入完成值 78 条")
        .stderr_has("data/indicators/招商引资-完成值.csv: 读入完成值 12 条")
        .stderr_has("data/indicators/部门-完成值.csv: 读入完成值 64 条");
    let all = readings(&wd);
    assert_eq!(all.len(), 154);
    let sum = |id: &str, through: &str| -> i64 {
        all.iter()
            .filter(|(i, d, ..)| i == id && d.as_str() <= through)
            .map(|(_, _, v, _)| v.parse::<i64>().expect("a whole number"))
            .sum()
    };
    // 上报涉唐舆情数量 lags in the summer and recovers by autumn.
    assert_eq!(sum("ng-yq-reports", "2025-08-31"), 585);
    assert_eq!(sum("ng-yq-reports", "2025-10-31"), 845);
    assert_eq!(sum("ng-yq-reports", "2025-12-31"), 1020);
    assert!(all.contains(&r("jiping-posts", "2025-12-31", "达成", "部门-完成值.csv")));
    let months = all.iter().filter(|(i, ..)| i == "posts").count();
    assert_eq!(months, 12);
}

/// `stale_days` of each indicator on `day` by `status --format json`, by id.
fn stale_days(wd: &Workdir, day: &str) -> Vec<(String, Option<i64>)> {
    let json = wd
        .run(&["status", "--as-of", day, "--format", "json"])
        .ok()
        .json();
    let funds = json["funds"].as_array().expect("funds");
    funds
        .iter()
        .flat_map(|f| f["indicators"].as_array().expect("indicators").iter())
        .chain(
            json["department"]["indicators"]
                .as_array()
                .expect("department")
                .iter(),
        )
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_owned(),
                i["stale_days"].as_i64(),
            )
        })
        .collect()
}

fn stale_of(all: &[(String, Option<i64>)], id: &str) -> Option<i64> {
    all.iter()
        .find(|(i, _)| i == id)
        .unwrap_or_else(|| panic!("{id} in {all:?}"))
        .1
}

/// Sets (or with `None` removes) the own `stale_after` of indicator `id` in the config.
fn set_own_limit(wd: &Workdir, id: &str, limit: Option<&str>) {
    wd.edit_config(|doc| {
        let items = doc["indicators"]["items"].as_sequence_mut().expect("items");
        let item = items
            .iter_mut()
            .find(|i| i["id"].as_str() == Some(id))
            .expect("the indicator")
            .as_mapping_mut()
            .expect("a mapping");
        match limit {
            Some(l) => item.insert("stale_after".into(), l.into()),
            None => item.remove("stale_after"),
        };
    });
}

/// An indicator with its own `stale_after` is judged by it, in both directions, and the
/// others keep the section's; in the shipped story nothing is stale.
#[test]
fn an_indicator_with_its_own_stale_after_is_judged_by_it() {
    let wd = Workdir::samples_with_readings();
    // 09-25: 不断降低各项支出成本 (quarterly, 107d) was last reported 06-30, 87 days ago;
    // 上报涉唐舆情数量 (monthly, the section's 45d) for August, dated 08-31, 25 days ago.
    let shipped = stale_days(&wd, "2025-09-25");
    assert!(
        shipped.iter().all(|(_, s)| s.is_none()),
        "stale in the sample story: {shipped:?}"
    );
    // Without its own limit, the section's 45d makes the quarterly one stale.
    set_own_limit(&wd, "ng-cost", None);
    let all = stale_days(&wd, "2025-09-25");
    assert_eq!(stale_of(&all, "ng-cost"), Some(87));
    // One day short of the gap: stale; exactly the gap: fresh (more than the limit is stale).
    set_own_limit(&wd, "ng-cost", Some("86d"));
    assert_eq!(
        stale_of(&stale_days(&wd, "2025-09-25"), "ng-cost"),
        Some(87)
    );
    set_own_limit(&wd, "ng-cost", Some("87d"));
    assert_eq!(stale_of(&stale_days(&wd, "2025-09-25"), "ng-cost"), None);
    // A shorter own limit than the section's makes a monthly one stale sooner; the others
    // keep 45d.
    set_own_limit(&wd, "ng-yq-reports", Some("20d"));
    let all = stale_days(&wd, "2025-09-25");
    assert_eq!(stale_of(&all, "ng-yq-reports"), Some(25));
    assert_eq!(stale_of(&all, "ng-reach"), None);
    // Without indicators.sources nobody reports: nothing is stale, own limits included.
    wd.edit_config(|doc| {
        doc["indicators"]
            .as_mapping_mut()
            .expect("indicators")
            .remove("sources");
    });
    let all = stale_days(&wd, "2025-09-25");
    assert!(all.iter().all(|(_, s)| s.is_none()), "{all:?}");
}
