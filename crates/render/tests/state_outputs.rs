//! The state of the text in the outputs of a version besides HTML: Word comments beside each
//! paragraph with a legend, Akoma Ntoso's `lifecycle` (versions) and `workflow` (statuses set,
//! the adoption) with each paragraph referring to its status (valid against the schema when
//! `AKN_SCHEMA` and xmllint are there).

mod common;

use common::*;
use penholder_core::state::{
    ParagraphStatus, Reservation, ReservationKind, StatusChange, TextState,
};
use penholder_render::{Context, akn, docx};
use std::io::Read;

fn state_context() -> (penholder_core::Version, Context) {
    let (v1, ids) = zero_draft();
    let state = TextState {
        changes: vec![
            StatusChange {
                node: ids.op2,
                status: ParagraphStatus::AgreedAdRef,
                note: "Reference Group, 7 May 2024".into(),
                version: 1,
                set_by: "chair-1".into(),
                set_at: 1_715_076_000_000,
                sequence: 1,
            },
            StatusChange {
                node: ids.pp1,
                status: ParagraphStatus::Agreed,
                note: "SOM Stockholm".into(),
                version: 2,
                set_by: "chair-1".into(),
                set_at: 1_719_480_000_000,
                sequence: 2,
            },
        ],
        reservations: vec![Reservation {
            number: 1,
            node: ids.op2,
            delegation: "HU".into(),
            kind: ReservationKind::Scrutiny,
            text: "Pending scrutiny in Budapest.".into(),
            version: 1,
            entered_by: "hu-1".into(),
            entered_at: 1_715_076_500_000,
            withdrawn: None,
        }],
        adoption: None,
    };
    let context = context().state_of(&state, &v1.document).events_of(
        &[(1, "Zero draft".into(), 1_701_770_400_000)],
        &state,
        1,
    );
    (v1, context)
}

#[test]
fn word_shows_each_paragraph_s_status_and_reservations_beside_it_with_a_legend() {
    let (v1, context) = state_context();
    let bytes = docx::version(&v1, &context).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut comments = String::new();
    archive
        .by_name("word/comments.xml")
        .unwrap()
        .read_to_string(&mut comments)
        .unwrap();
    assert!(
        comments.contains(
            "Status: agreed ad ref. (Reference Group, 7 May 2024). Reservations: SR (HU)"
        ),
        "{comments}"
    );
    assert!(comments.contains("Legend. Paragraph status"), "{comments}");
    // The marks are the current state, carried by node id (as the HTML shows it).
    assert!(
        comments.contains("Status: agreed (SOM Stockholm)"),
        "{comments}"
    );
}

#[test]
fn akoma_ntoso_carries_the_life_of_the_text_and_each_paragraph_s_status() {
    let (v1, context) = state_context();
    let xml = akn::version(&v1, &context);
    assert!(xml.contains("<lifecycle source=\"#penholder\"><eventRef eId=\"lifecycle_v1\" date=\"2023-12-05T10:00:00Z\" source=\"#penholder\" type=\"generation\"/></lifecycle>"), "{xml}");
    assert!(xml.contains("<workflow source=\"#penholder\"><step eId=\"workflow_1\" date=\"2024-05-07T10:00:00Z\" by=\"#chair\" as=\"#chair\" outcome=\"#status_agreed_ad_ref\" refersTo=\"#para_2\"/></workflow>"), "{xml}");
    assert!(xml.contains("refersTo=\"#status_agreed_ad_ref\""), "{xml}");
    assert!(xml.contains("<TLCConcept eId=\"status_agreed\""));
    assert_eq!(
        xml.matches("<step ").count(),
        1,
        "the later status change is not in version 1"
    );
    // Without state, none of it.
    let plain = akn::version(&v1, &common::context());
    assert!(!plain.contains("<lifecycle") && !plain.contains("TLCConcept"));
    let Some(schema) = schema() else { return };
    validate(&schema, "state.xml", &xml);
}

fn schema() -> Option<std::path::PathBuf> {
    let path = match std::env::var_os("AKN_SCHEMA") {
        Some(path) if !path.is_empty() => std::path::PathBuf::from(path),
        _ => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/akn/akomantoso30.xsd"),
    };
    let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if !path.is_file() || !xmllint {
        assert!(
            !on_ci,
            "the Akoma Ntoso schema and xmllint are required on CI"
        );
        eprintln!("SKIPPED: no Akoma Ntoso schema or xmllint");
        return None;
    }
    Some(path)
}

fn validate(schema: &std::path::Path, name: &str, xml: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, xml).expect("write the document");
    let output = std::process::Command::new("timeout")
        .args(["120", "xmllint", "--noout", "--schema"])
        .arg(schema)
        .arg(&file)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "{name} is not valid Akoma Ntoso 3.0:\n{}\n--- document ---\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}
