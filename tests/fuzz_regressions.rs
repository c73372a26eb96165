//! Inputs the fuzz targets (`fuzz/`, docs/fuzzing.md) found, minimised, each
//! read through the entry point its target used and checked for what the
//! target asserted.

use scoreset::ingest::credential::{SourceText, Unchecked, parse_credential};
use scoreset::ingest::identity::normalise_artifact;
use scoreset::ingest::{Claim, RejectReason};

/// `identity` target, `normalise_artifact is not idempotent`: the query
/// `version= &si` gave the version `" "` (a blank version, and the unknown
/// parameter `si` dropped silently), whose written form `did:y:R?version= `
/// was then refused. A version with a space, or another parameter beside
/// it, now refuses the reference.
#[test]
fn artifact_query_is_one_version_without_spaces() {
    let found: &[u8] = b"did:y:R?version= &si"; // fuzz/artifacts/identity/minimized-from-04eeb4b7…
    assert!(normalise_artifact(std::str::from_utf8(found).unwrap()).is_err());
    for bad in [
        "did:snap:x?version=1.0&evil=1",
        "did:snap:x?evil=1&version=1.0",
        "did:snap:x?version=1.0&version=2.0",
        "did:snap:x?version=1.0 &x",
        "did:snap:x?version=1 .0",
        "did:snap:x?version=1.0\u{2}",
        "did:snap:x?version=",
    ] {
        assert!(normalise_artifact(bad).is_err(), "{bad:?} accepted");
    }
    // What is accepted is written back the same.
    for good in
        ["did:snap:x", "did:snap:x?", " snap://x?version=1.0 ", "did:snap:x?version=1.0?beta", "did:key:z6Mk?version=2"]
    {
        let artifact = normalise_artifact(good).unwrap();
        let written = match &artifact.version {
            Some(v) => format!("{}?version={v}", artifact.id),
            None => artifact.id.clone(),
        };
        assert_eq!(normalise_artifact(&written).unwrap(), artifact, "{good:?}");
    }
}

/// The same through a credential: a review of `…?version=1.0 &x` is refused
/// (invalid subject) instead of counting for a version `"1.0 "` of its own.
#[test]
fn review_of_an_artifact_with_a_spaced_version_is_refused() {
    let review = |subject: &str| {
        let text = serde_json::json!({
            "type": ["VerifiableCredential", "ReviewCredential"],
            "issuer": "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044",
            "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": subject, "currentStatus": "Endorsed"}
        })
        .to_string();
        parse_credential(&text, SourceText::owned(&text), None).and_then(Unchecked::check)
    };
    let refused = review("snap://lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=?version=1.0 &x").unwrap_err();
    assert_eq!(refused.0, RejectReason::InvalidDid);
    let accepted = review("snap://lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=?version=1.0").unwrap();
    match accepted.claim {
        Claim::Review { artifact, endorsed: true } => assert_eq!(artifact.version.as_deref(), Some("1.0")),
        other => panic!("not a review: {other:?}"),
    }
}

/// `identity` target, `an instant written back reads differently`:
/// `0000-01-01T00:00:00+01:00` is in year -1 in UTC and
/// `9999-12-31T23:59:59-01:00` in year 10000; both were read, and `format_ms`
/// wrote them as "". Instants are now read only within years 0000 to 9999,
/// in every form a reader takes (RFC 3339 text, or integer milliseconds in a table).
#[test]
fn instants_outside_years_0000_to_9999_are_refused() {
    use scoreset::as_of::{format_ms, parse_time_ms};
    use scoreset::ingest::table::Fields;
    for found in ["0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"] {
        // fuzz/seeds/identity/known-as_of-year-0000 and -9999
        assert_eq!(parse_time_ms(found), None, "{found}");
    }
    let fields = |value: serde_json::Value| match serde_json::json!({ "at": value }) {
        serde_json::Value::Object(map) => Fields(map),
        _ => unreachable!(),
    };
    // Integer milliseconds far beyond year 9999 were read, and written as 1970.
    for far in [
        serde_json::json!(i64::MAX),
        serde_json::json!("9223372036854775807"),
        serde_json::json!(-62_167_219_200_001i64),
    ] {
        let refused = fields(far.clone()).optional_time_ms("at").unwrap_err();
        assert_eq!(refused.0, RejectReason::BadDate, "{far}");
    }
    let last = fields(serde_json::json!(253_402_300_799_999i64)).time_ms("at").unwrap();
    assert_eq!(format_ms(last), "9999-12-31T23:59:59.999Z");
    assert_eq!(parse_time_ms(&format_ms(last)), Some(last));

    // A credential dated outside the range is refused for its date.
    let text = serde_json::json!({
        "type": ["VerifiableCredential", "ReviewCredential"],
        "issuer": "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044",
        "issuanceDate": "9999-12-31T23:59:59-01:00",
        "credentialSubject": {"id": "snap://lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=", "currentStatus": "Endorsed"}
    })
    .to_string();
    let refused = parse_credential(&text, SourceText::owned(&text), None).and_then(Unchecked::check).unwrap_err();
    assert_eq!(refused.0, RejectReason::BadDate);
}
