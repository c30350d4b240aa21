//! Fuzz target `import_structured`: see [`penholder_fuzz::check_import_structured`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_structured(&penholder_fuzz::text_of(data));
});
