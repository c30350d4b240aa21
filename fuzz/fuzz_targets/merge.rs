//! Fuzz target `merge`: an arbitrary round on an arbitrary base, compiled; see
//! [`penholder_fuzz::merge`] for the input layout and the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use penholder_fuzz::merge::{Round, check};

fuzz_target!(|round: Round<'_>| {
    check(&round);
});
