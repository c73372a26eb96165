//! Arbitrary bytes and arbitrary JSON in any source: ingest never panics and
//! never loses a record (accepted + rejected = records read).

use proptest::prelude::*;
use scoreset::ingest::{IngestOptions, PretrustSpec, SourceFormat, SourceSpec, ingest};
use serde_json::Value;
use std::path::PathBuf;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "did:pkh:eth:0x00000000000000000000000000000000000000aa",
            "snap://x=",
            "Endorsed",
            "Honesty",
            "2024-01-01T00:00:00Z",
            "PeerTrustCredential",
            "ReviewCredential",
            "revocation",
            "ipfs://bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "issuer",
                    "issuanceDate",
                    "validFrom",
                    "validUntil",
                    "credentialSubject",
                    "id",
                    "trustworthiness",
                    "scope",
                    "level",
                    "trustFor",
                    "trustLevel",
                    "findings",
                    "currentStatus",
                    "credentialStatus",
                    "statusPurpose",
                    "proof",
                    "x"
                ]),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// A real credential with one field replaced by arbitrary JSON.
fn arb_mutated() -> impl Strategy<Value = String> {
    let base = scoreset::synth::credentials::sample(50, 3).credentials;
    (
        prop::sample::select(base),
        prop::sample::select(vec!["issuer", "type", "issuanceDate", "credentialSubject", "proof", "validUntil"]),
        arb_json(),
    )
        .prop_map(|(text, field, value)| match serde_json::from_str::<Value>(&text) {
            Ok(mut doc) => {
                doc[field] = value;
                doc.to_string()
            }
            Err(_) => text,
        })
}

fn arb_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..80),
        arb_json().prop_map(|v| v.to_string().into_bytes()),
        arb_mutated().prop_map(String::into_bytes),
    ]
}

fn non_blank(lines: &[Vec<u8>]) -> usize {
    lines.iter().filter(|l| !l.strip_suffix(b"\r").unwrap_or(l).iter().all(u8::is_ascii_whitespace)).count()
}

fn ingest_file(format: SourceFormat, name: &str, bytes: &[u8]) -> scoreset::ingest::Ingested {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let spec =
        SourceSpec { format, path: PathBuf::from(name), header: false, value_scale: 1.0, scope: "default".into() };
    let options = IngestOptions {
        scopes: vec!["Software security".into(), "default".into()],
        require_proofs: false,
        ..Default::default()
    };
    ingest(&[spec], &PretrustSpec::default(), &options, dir.path(), "p.toml").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn vc_jsonl_accounts_for_every_line(lines in prop::collection::vec(arb_line(), 0..20)) {
        let i = ingest_file(SourceFormat::VcJsonl, "c.jsonl", &lines.join(&b'\n'));
        prop_assert_eq!(i.inputs[0].records as usize, non_blank(&lines));
        prop_assert_eq!(i.attestations.len() + i.rejects.len(), non_blank(&lines));
        prop_assert_eq!(i.inputs[0].rejected as usize, i.rejects.len());
    }

    #[test]
    fn edges_account_for_every_line(lines in prop::collection::vec(prop_oneof![
        arb_line(),
        ("[a-c]{1,2}", "[a-c]{1,2}", any::<f64>()).prop_map(|(a, b, v)| format!("{a},{b},{v}").into_bytes()),
    ], 0..20)) {
        let i = ingest_file(SourceFormat::Edges, "e.csv", &lines.join(&b'\n'));
        let accepted: usize = i.edges.iter().map(|b| b.edges.len()).sum();
        prop_assert_eq!(accepted + i.rejects.len(), non_blank(&lines));
    }

    #[test]
    fn indexer_csv_and_vc_json_never_lose_a_record(lines in prop::collection::vec(arb_line(), 0..12), json in arb_json()) {
        let mut csv = b"id;timestamp;schema_id;schema_value\n".to_vec();
        for (k, line) in lines.iter().enumerate() {
            let quoted = String::from_utf8_lossy(line).replace('"', "\"\"");
            csv.extend_from_slice(format!("{k};1707490806644;{};\"{quoted}\"\n", 1 + k % 2).as_bytes());
        }
        let i = ingest_file(SourceFormat::IndexerCsv, "i.csv", &csv);
        prop_assert_eq!(i.attestations.len() + i.rejects.len(), i.inputs[0].records as usize);
        prop_assert_eq!(i.inputs[0].records as usize, lines.len());
        let raw = ingest_file(SourceFormat::IndexerCsv, "raw.csv", &lines.join(&b'\n'));
        prop_assert_eq!(raw.attestations.len() + raw.rejects.len(), raw.inputs[0].records as usize);
        let single = ingest_file(SourceFormat::VcJson, "one.json", json.to_string().as_bytes());
        let expected = match &json { Value::Array(items) => items.len(), _ => 1 };
        prop_assert_eq!(single.attestations.len() + single.rejects.len(), expected);
    }
}
