//! Fuzz target `import_markdown`: see [`penholder_fuzz::check_import_markdown`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_markdown(&penholder_fuzz::text_of(data));
});
