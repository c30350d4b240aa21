//! Fuzz target `tokenize`: see [`penholder_fuzz::check_tokenize`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::check_tokenize(&penholder_fuzz::text_of(data));
});
