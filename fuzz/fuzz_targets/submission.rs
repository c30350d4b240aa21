//! Fuzz target `submission`: a submission's request body read, resolved and compiled as the
//! server does it; see [`penholder_fuzz::submission`] for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    penholder_fuzz::submission::check_submission(data);
});
