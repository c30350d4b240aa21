//! Fuzz target `import_docx`: see [`penholder_fuzz::check_import_docx`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_import_docx(data);
});
