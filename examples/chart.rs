//! Writes the charts of a config's funds on a day, as SVG and PNG, to look at them:
//!
//!     cargo run --example chart -- [CONFIG] [DAY] [OUT_DIR]
//!
//! Defaults: the shipped `config.yaml`, 2025-08-31, `target/charts`. The ledger is read as
//! `spendwatch check` reads it (the configured files synced into a database, here one in
//! memory) and the snapshot is the one `status` and the digest use. Prints each file's size.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use spendwatch::app::{import, snapshot};
use spendwatch::report::chart::{self, BurnUp, DEFAULT_OVERVIEW_FUNDS, Overview};
use spendwatch::store::Store;

/// The size the emails show a chart at, in CSS pixels (the PNG has twice as many).
const WIDTH: u32 = 600;
const HEIGHT: u32 = 320;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config_path = PathBuf::from(args.next().unwrap_or_else(|| "config.yaml".into()));
    let day: NaiveDate = args.next().unwrap_or_else(|| "2025-08-31".into()).parse()?;
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/charts".into()));
    std::fs::create_dir_all(&out)?;

    let config = spendwatch::config::load(&config_path)?;
    let mut store = Store::open_in_memory()?;
    let (files, _) = import::configured_files(&config);
    import::sync_sources(&mut store, &config, &files, chrono::Utc::now())?;
    let snap = snapshot::read(&store, &config, day)?;

    let started = Instant::now();
    let fonts = chart::Fonts::system();
    println!("system fonts read in {:.1?}", started.elapsed());
    for f in &snap.funds {
        let burn_up = BurnUp::of(f, config.alerts.time_basis);
        write(
            &out,
            &format!("{}-{day}", f.fund.id),
            &chart::svg(&burn_up, WIDTH, HEIGHT),
        )?;
        let started = Instant::now();
        let png = chart::png_with(&burn_up, WIDTH, HEIGHT, &fonts)?;
        println!("PNG drawn in {:.1?}", started.elapsed());
        save(&out, &format!("{}-{day}.png", f.fund.id), &png)?;
    }
    let overview = Overview::of(&snap.funds, DEFAULT_OVERVIEW_FUNDS);
    let height = overview_height(&overview);
    write(
        &out,
        &format!("overview-{day}"),
        &chart::overview_svg(&overview, WIDTH, height),
    )?;
    save(
        &out,
        &format!("overview-{day}.png"),
        &chart::overview_png(&overview, WIDTH, height)?,
    )?;
    Ok(())
}

/// An overview's height: a row of 28 pixels per bar, with room for the axis.
fn overview_height(overview: &Overview) -> u32 {
    let rows = overview.funds.len() + usize::from(overview.average.is_some());
    60 + 28 * u32::try_from(rows).unwrap_or(u32::MAX / 64)
}

fn write(dir: &std::path::Path, stem: &str, svg: &str) -> std::io::Result<()> {
    save(dir, &format!("{stem}.svg"), svg.as_bytes())
}

fn save(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    println!("{}\t{} bytes", path.display(), bytes.len());
    Ok(())
}
