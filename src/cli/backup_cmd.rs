//! `spendwatch backup FILE [--force]`: a consistent copy of the database, taken with SQLite's
//! online backup API while the daemon (or an import) goes on using the database.
//!
//! FILE must not exist unless --force is given. Either way the copy is written under a
//! temporary name beside FILE and renamed when complete and checked, so FILE is always a whole
//! backup: the previous one, or the new one.

use std::path::Path;

use super::{Failure, reading_failure};
use crate::config::Config;
use crate::store::{self, StoreError};

pub(super) fn run(config: &Config, file: &Path, force: bool) -> Result<(), Failure> {
    let report = store::backup(&config.database, file, force).map_err(|e| match e {
        StoreError::Missing { .. } | StoreError::NoAccess { .. } => {
            reading_failure(config, &format!("backup {}", file.display()), e)
        }
        e => Failure::from(e),
    })?;
    outln!(
        "backup of {} written to {}: {} ({} bytes), schema version {}, {} ledger entries from {} source{}; integrity check ok",
        config.database.display(),
        report.file.display(),
        size(report.bytes),
        report.bytes,
        report.schema_version,
        report.entries,
        report.sources,
        if report.sources == 1 { "" } else { "s" },
    );
    Ok(())
}

/// 1.2 MB, 340 KB, 512 bytes (decimal units, as `ls -lh --si` and file managers show them).
fn size(bytes: u64) -> String {
    // Display only: the precision of f64 is ample.
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", b / 1e9)
    } else if bytes >= 1_000_000 {
        format!("{:.1} MB", b / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.0} KB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(super::size(512), "512 bytes");
        assert_eq!(super::size(340_000), "340 KB");
        assert_eq!(super::size(12_345_678), "12.3 MB");
        assert_eq!(super::size(2_500_000_000), "2.5 GB");
    }
}
