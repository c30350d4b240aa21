//! Fuzz target `import_json`: see [`penholder_fuzz::check_import_json`] for the properties.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_json(&penholder_fuzz::text_of(data));
});
