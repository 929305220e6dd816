//! `restsign generate-man DIR` (hidden): writes the man pages restsign.1 and restsign-SUBCOMMAND.1
//! from the clap definitions, so that they cannot drift from `--help`. CMake runs it when it builds
//! the command (RESTSIGN_BUILD_CLI) and installs the pages.

use std::path::Path;

/// One page per visible (sub)command into `dir` (created if missing).
pub fn generate(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // No date in the pages (clap_mangen's default): they, and the packages holding them, build
    // reproducibly.
    clap_mangen::generate_to(cmd, dir)
}
