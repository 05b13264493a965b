//! Binary-level tests: each runs the real `spendwatch` in a temporary folder with its own
//! config, and checks exit status, output and the database against hand-computed values.

mod backup;
mod bad_corpus;
mod bad_files;
mod config_cache;
mod config_errors;
mod daemon_lock;
mod daemon_process;
mod database;
mod digest;
mod dual;
mod duplicates;
mod explain;
mod field_cases;
mod import_formats;
mod mail_faults;
mod monitor;
mod names;
mod reading;
mod readings;
mod replace;
mod replay;
mod reuse;
mod same_numbers;
mod season_story;
mod sheets;
mod smtp;
mod smtp_server;
mod source_force;
mod sources;
mod status_json;
mod status_table;
mod text_files;
mod util;
mod web;
