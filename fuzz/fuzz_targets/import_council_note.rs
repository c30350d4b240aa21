//! Fuzz target `import_council_note`: see [`penholder_fuzz::check_import_council_note`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_council_note(&penholder_fuzz::text_of(data));
});
