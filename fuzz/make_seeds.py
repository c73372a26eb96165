#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs under fuzz/seeds/<target>/.

Seeds from the project itself (data/, pipelines/, hand-written cases) are
committed. Seeds cut from ../shared (the SNAP graphs' heads, the conformance
vectors) are named `shared-*` and are not committed (fuzz/.gitignore): the
shared data asks not to be copied into the project, so they are made here,
on the machine that has it. Every seed is small (at most SEED_MAX bytes); the
total stays well under 2 MB.

The `verify` target's seeds are the files of the epoch it builds at start:
run.sh writes them with the target itself (SCORESET_FUZZ_SEEDS), not this script.

Usage: fuzz/make_seeds.py [--shared /work/shared]
"""

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"
SEED_MAX = 8 * 1024


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > SEED_MAX:
        # Cut at a line end so a text seed stays whole lines.
        cut = data.rfind(b"\n", 0, SEED_MAX)
        data = data[: cut + 1 if cut > 0 else SEED_MAX]
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / re.sub(r"[^A-Za-z0-9._-]", "_", name)).write_bytes(data)


def head_lines(path, n):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(n))


def gz_head(path, size):
    with gzip.open(path, "rb") as f:
        data = f.read(size)
    return data[: data.rfind(b"\n") + 1]


def credential_lines():
    """One or two credential lines of every shape (type, signed, revocation) in data/, and a few broken ones."""
    picked, broken = {}, []
    for source in ["data/sample/credentials.jsonl", "data/snaps/credentials.jsonl"]:
        with open(ROOT / source, "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                try:
                    doc = json.loads(line)
                    kind = doc.get("type")
                    key = (json.dumps(kind), bool(doc.get("proof")), "credentialStatus" in doc)
                except Exception:
                    if len(broken) < 4:
                        broken.append(line)
                    continue
                if len(picked.setdefault(key, [])) < 2 and len(line) <= SEED_MAX:
                    picked[key].append(line)
    lines = [l for group in picked.values() for l in group]
    return lines, broken


def project_seeds():
    lines, broken = credential_lines()
    for i, line in enumerate(lines):
        write("vc_jsonl", f"credential-{i:02}", line + b"\n")
        write("vc_json", f"credential-{i:02}.json", json.dumps(json.loads(line), indent=2))
        write("jcs", f"credential-{i:02}.json", line)
    for i, line in enumerate(broken):
        write("vc_jsonl", f"broken-{i}", line + b"\n")
    write("vc_jsonl", "several", b"\n".join(lines[:4]) + b"\n\n" + (broken[:1] or [b"x"])[0] + b"\n")
    write("vc_json", "array.json", "[" + ",".join(l.decode() for l in lines[:3]) + "]")
    write("vc_json", "empty-array.json", "[]")

    # Indexer CSV: header, then id;timestamp_ms;schema;"json" with the JSON quoted CSV-style.
    rows = ["id;timestamp;schema_id;schema_value"]
    for k, line in enumerate(lines[:6]):
        doc = json.loads(line)
        kinds = doc.get("type") if isinstance(doc.get("type"), list) else [doc.get("type")]
        schema = 1 if "ReviewCredential" in kinds else 2
        text = json.dumps(doc, separators=(",", ":")).replace('"', '""')
        rows.append(f'{k + 1};1707490806644;{schema};"{text}"')
    write("indexer_csv", "rows.csv", "\n".join(rows) + "\n")
    write("indexer_csv", "bad-rows.csv", "id;timestamp;schema_id;schema_value\n1;x;2;{}\n2;5;3;\"{}\"\n3;1\n\"unclosed\n")

    # Edge lists: first byte = options (bit 0 header, bits 1-2 value scale).
    edges = (ROOT / "data/example/edges.csv").read_bytes()
    write("edges_csv", "example", b"\x00" + edges)
    write("edges_csv", "example-header-scaled", b"\x03truster,trustee,value\n" + edges)
    write("edges_csv", "dids-and-times",
          b"\x00did:pkh:eth:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044,did:eth:0xfA045B2F2A25ad0B7365010eaf9AC2Dd9905895c,1,1700000000.5\n"
          b"a,a,1\n1,2,NaN\n1,2,1e309\n 7 , 007 ,-0.5,\n\r\n\xff,b,1\nx,y\n")

    # Pre-trust: first byte = options (bit 0 header, bit 1 also inline entries).
    for name in ["data/example/pretrust.csv", "data/sample/pretrust.txt", "data/snaps/pretrust.txt"]:
        write("pretrust", Path(name).name, b"\x00" + (ROOT / name).read_bytes())
    write("pretrust", "mixed", b"\x03peer,weight\na,1\nb 2\nc=0.5\ndid:eth:0x44DC4E3309B80EF7ABF41C7D0A68F0337A88F044,-1\n,3\nd,inf\n")

    # Record tables: first byte = table (low 3 bits) | 8 for JSON lines.
    tables = [
        (0, "data/publishers/signals.csv"),
        (1, "data/publishers/investigations.csv"),
        (2, "data/publishers/vouches.csv"),
        (3, "data/credentials/reports.csv"),
        (4, "data/credentials/verifications.csv"),
        (5, "data/credentials/disputes.csv"),
        (6, "data/patches/issues.csv"),
        (2, "data/patches/vouches.csv"),
    ]
    import csv
    import io
    for kind, name in tables:
        data = head_lines(ROOT / name, 12)
        write("tables", f"{kind}-{Path(name).parent.name}-{Path(name).name}", bytes([kind]) + data)
        # The same rows as JSON lines (empty cells left out).
        reader = csv.DictReader(io.StringIO(data.decode()))
        jsonl = "".join(json.dumps({k: v for k, v in row.items() if v}) + "\n" for row in reader)
        write("tables", f"{kind | 8}-{Path(name).parent.name}-{Path(name).stem}.jsonl", bytes([kind | 8]) + jsonl.encode())
    write("tables", "7-patches.jsonl", b"\x07" + head_lines(ROOT / "data/patches/patches.jsonl", 3))

    for toml in sorted((ROOT / "pipelines").glob("*.toml")):
        write("pipeline_toml", toml.name, toml.read_bytes())

    identities = [
        "did:pkh:eip155:1:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044",
        "did:pkh:eth:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044",
        "did:eth:0x44DC4E3309B80EF7ABF41C7D0A68F0337A88F044",
        "did:pkh:eip155:59144:0xEFC6191B3245df60B209Ec58631c7dCF04137329",
        "did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "snap://lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=",
        "did:snap:lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=?version=1.2.3",
        "ipfs://bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
        "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n",
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
        "zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n",
        "2024-02-15T07:05:56.273Z",
        "1969-12-31T23:59:59.999-01:30",
        " did:web:example.com%3A8443:user:alice ",
    ]
    for i, text in enumerate(identities):
        write("identity", f"id-{i:02}", text)

    jcs = [
        '{"b":[1e21,1e-7,5e-324,-0.0,9007199254740993],"a":"\\u00e9\\n\\/","\\ue000":1,"\\ud83d\\ude00":{}}',
        '[null,true,false,0.1,100,1E400]',
        '{"a":1,"a":2}',
        ' { "z" : [ ] , "y" : { } } ',
        '"\\ud800"',
    ]
    for i, text in enumerate(jcs):
        write("jcs", f"case-{i}", text)
    manifest = ROOT / "tests/golden"
    if manifest.is_dir():
        for p in sorted(manifest.rglob("manifest.json"))[:2]:
            write("jcs", f"golden-{p.parent.name}-manifest.json", p.read_bytes())


def shared_seeds(shared):
    data, vectors = shared / "data", shared / "vectors"
    for name in sorted(data.glob("*.csv.gz")):
        head = gz_head(name, 4096)
        stem = name.name.split(".")[0]
        write("edges_csv", f"shared-{stem}", b"\x00" + head)
        write("edges_csv", f"shared-{stem}-scaled", b"\x02" + head)
    readme = vectors / "eigentrust/go-eigentrust-readme"
    if readme.is_dir():
        write("edges_csv", "shared-go-eigentrust-lt", b"\x00" + (readme / "lt.csv").read_bytes())
        write("pretrust", "shared-go-eigentrust-pt", b"\x00" + (readme / "pt.csv").read_bytes())
    snaps = vectors / "eigentrust/rs-eigentrust-snaps"
    if snaps.is_dir():
        write("indexer_csv", "shared-snaps-sample_input.csv", head_lines(snaps / "sample_input.csv", 10))
        for p in ["sample_pretrust.txt", "metamask_test_suite_pretrust.txt"]:
            write("pretrust", f"shared-snaps-{p}", b"\x00" + head_lines(snaps / p, 40))
        write("jcs", "shared-snaps-sample_manifest.json", (snaps / "sample_manifest.json").read_bytes())
    vc = vectors / "signing/vc-di-eddsa/TestVectors"
    if vc.is_dir():
        for p in ["eddsa-jcs-2022/signedJCS.json", "unsigned.json", "employmentAuth.json",
                  "proof-set-chain/signedProofSet2.json"]:
            if (vc / p).is_file():
                text = (vc / p).read_bytes()
                stem = Path(p).stem
                write("vc_json", f"shared-w3c-{stem}.json", text)
                write("vc_jsonl", f"shared-w3c-{stem}", json.dumps(json.loads(text), separators=(",", ":")) + "\n")
                write("jcs", f"shared-w3c-{stem}.json", text)
    jcs = vectors / "signing/jcs-rfc8785/testdata/input"
    if jcs.is_dir():
        for p in sorted(jcs.glob("*.json")):
            write("jcs", f"shared-rfc8785-{p.name}", p.read_bytes())
    numbers = vectors / "signing/jcs-rfc8785/es6testfile100k.txt"
    if numbers.is_file():
        # A few of the ES6 number cases as JSON arrays of their expected strings.
        cases = head_lines(numbers, 64).decode().splitlines()
        write("jcs", "shared-es6-numbers", "[" + ",".join(c.split(",", 1)[1] for c in cases) + "]")
    for folder in [vectors / "signing/did-key/test-vectors", vectors / "signing/did-pkh/test-vectors"]:
        if not folder.is_dir():
            continue
        found = []
        for p in sorted(folder.iterdir()):
            # A few ids of each file (each file is one key type or one chain).
            ids = {p.name.removesuffix(".jsonld")} if p.name.startswith("did:") else set()
            ids.update(re.findall(r'"(did:(?:key|pkh):[^"#]+)', p.read_text(errors="replace")))
            found.extend(sorted(ids)[:4])
        for i, did in enumerate(found):
            write("identity", f"shared-{folder.parent.name}-{i:02}", did)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared data folder")
    args = parser.parse_args()
    project_seeds()
    shared = Path(args.shared)
    if shared.is_dir():
        shared_seeds(shared)
    else:
        print(f"{shared} not found: no shared-* seeds", file=sys.stderr)
    total = sum(f.stat().st_size for f in SEEDS.rglob("*") if f.is_file())
    count = sum(1 for f in SEEDS.rglob("*") if f.is_file())
    print(f"{count} seeds, {total} bytes, in {SEEDS}")


if __name__ == "__main__":
    main()
