//! Fuzz target `import_akn`: see [`penholder_fuzz::check_import_akn`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_akn(&penholder_fuzz::text_of(data));
});
