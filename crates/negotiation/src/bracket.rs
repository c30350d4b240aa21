//! Brackets (issue 16, item 2): reading the open brackets a consolidation carried into a
//! version, for every output of that version. They are made by the consolidation engine
//! (`penholder_diff::consolidate`, from the deferred changes) and published with the version
//! (`consolidation::publish`); who may read them is who may read the version.

use crate::error::Error;
use penholder_core::bracket::Bracket;
use penholder_store::Reader;

/// The open brackets of version `number` of a document, in document order, for a caller
/// already allowed to read that version (`document::version`).
pub fn of_version(
    r: &Reader<'_>,
    process: &str,
    document: &str,
    number: u32,
) -> Result<Vec<Bracket>, Error> {
    Ok(r.version_brackets(process, document, number)?)
}
