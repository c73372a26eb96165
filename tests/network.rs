//! Sources over HTTP, through the binary, against a small HTTP server on
//! 127.0.0.1 run by the test: fetched into the input cache, pinned in the
//! manifest by URL and hash, re-read from the cache (or fetched again) by
//! `verify --recompute`; a server that fails or stalls fails the run with
//! exit 2 and no epoch.

mod common;

use common::{describe, scoreset};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A test server: `/edges.csv` serves the shared body, `/ipfs/…` the shared
/// CAR (a gateway), `/bad/ipfs/…` the CAR with one byte of a block flipped,
/// `/fail` answers 500, `/stall` accepts and never answers. Counts the
/// requests per path.
struct Server {
    port: u16,
    body: Arc<Mutex<Vec<u8>>>,
    car: Arc<Mutex<Vec<u8>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(body: &[u8]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let body = Arc::new(Mutex::new(body.to_vec()));
        let car = Arc::new(Mutex::new(Vec::new()));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (served, served_car, log) = (body.clone(), car.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (served, served_car, log) = (served.clone(), served_car.clone(), log.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request = String::new();
                    reader.read_line(&mut request).unwrap_or(0);
                    let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let (mut line, mut length) = (String::new(), 0usize);
                    while reader.read_line(&mut line).unwrap_or(0) > 2 {
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        line.clear();
                    }
                    let mut body = vec![0; length];
                    std::io::Read::read_exact(&mut reader, &mut body).unwrap_or(());
                    log.lock().unwrap().push(path.clone());
                    let reply = |status: &str, body: &[u8]| {
                        let head =
                            format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                        [head.as_bytes(), body].concat()
                    };
                    let response = match path.as_str() {
                        "/edges.csv" => reply("200 OK", &served.lock().unwrap()),
                        "/fail" => reply("500 Internal Server Error", b"down"),
                        p if p.starts_with("/ipfs/") => reply("200 OK", &served_car.lock().unwrap()),
                        // A Kubo RPC node: reports the root of the CAR it was sent.
                        p if p.starts_with("/api/v0/dag/import") => {
                            let start = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                            let car = &body[start..];
                            let root = scoreset::crypto::car::CarReader::new(car).unwrap().roots()[0];
                            reply(
                                "200 OK",
                                format!("{{\"Root\":{{\"Cid\":{{\"/\":\"{root}\"}},\"PinErrorMsg\":\"\"}}}}\n")
                                    .as_bytes(),
                            )
                        }
                        p if p.starts_with("/bad/ipfs/") => {
                            let mut car = served_car.lock().unwrap().clone();
                            let at = car.len() - 10;
                            car[at] ^= 1;
                            reply("200 OK", &car)
                        }
                        _ => {
                            std::thread::sleep(Duration::from_secs(20));
                            return;
                        }
                    };
                    let _ = stream.write_all(&response);
                });
            }
        });
        Server { port, body, car, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().iter().filter(|p| *p == path).count()
    }
}

/// Writes a pipeline reading `url` and a local edge list, with `inputs` as its `[inputs]` table.
fn pipeline(dir: &Path, url: &str, inputs: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("local.csv"), "c,d,1\n").unwrap();
    let path = dir.join("net.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"net\"\n[[source]]\nformat = \"edges\"\npath = \"{url}\"\n[[source]]\nformat = \"edges\"\npath = \"local.csv\"\n[pretrust]\nentries = {{ a = 1.0 }}\n[inputs]\n{inputs}\n"
        ),
    )
    .unwrap();
    path
}

fn run(pipeline: &Path, out: &Path) -> std::process::Output {
    let as_of = "2026-01-01T00:00:00Z";
    scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", as_of, "--out", out.to_str().unwrap()])
}

#[test]
fn a_url_source_is_pinned_cached_and_recomputed_from_the_cache_or_fetched_again() {
    let edges = b"a,b,1\nb,c,1\nc,a,1\n";
    let server = Server::start(edges);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/edges.csv");
    let out = dir.path().join("out");
    let ran = run(&pipeline(dir.path(), &url, ""), &out);
    assert!(ran.status.success(), "{}", describe(&ran));

    let epoch = out.join("net").join("latest");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    let input = &manifest["credentialSubject"]["inputs"][0];
    assert_eq!(input["source"], url.as_str(), "the manifest names the URL");
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(edges));
    assert_eq!(input["sha256"], sha.as_str(), "and pins the bytes served");
    let cache = dir.path().join("out.inputs");
    assert_eq!(std::fs::read(cache.join("sha256").join(&sha).join("edges.csv")).unwrap(), edges);
    assert_eq!(manifest["credentialSubject"]["inputs"][1]["source"], "local.csv");

    // From the cache: no request.
    let verify = |extra: &[&str]| scoreset(&[&["verify", epoch.to_str().unwrap(), "--recompute"][..], extra].concat());
    let checked = verify(&[]);
    assert!(checked.status.success(), "{}", describe(&checked));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("(0 fetched again)"));
    assert_eq!(server.hits("/edges.csv"), 1);

    // With an empty cache: fetched again by URL and checked against the pinned hash.
    let empty = dir.path().join("empty-cache");
    let checked = verify(&["--input-cache", empty.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", describe(&checked));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("(1 fetched again)"));
    assert_eq!(server.hits("/edges.csv"), 2);

    // The URL now serves other bytes: the epoch cannot be recomputed from them.
    *server.body.lock().unwrap() = b"a,b,1\nb,c,1\n".to_vec();
    let other = dir.path().join("other-cache");
    let refused = verify(&["--input-cache", other.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(&url) && stderr.contains(&sha), "{stderr}");
    assert!(!other.join("sha256").exists() || std::fs::read_dir(other.join("sha256")).unwrap().count() == 0);
}

#[test]
fn a_server_error_fails_the_run_with_exit_2_after_its_retries_and_publishes_nothing() {
    let server = Server::start(b"");
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/fail");
    let out = dir.path().join("out");
    let ran = run(&pipeline(dir.path(), &url, "retries = 1"), &out);
    assert_eq!(ran.status.code(), Some(2), "{}", describe(&ran));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(stderr.contains(&url) && stderr.contains("HTTP status 500") && stderr.contains("2 attempt(s)"), "{stderr}");
    assert_eq!(server.hits("/fail"), 2, "one retry");
    assert!(!out.join("net").exists(), "no epoch, no latest");
}

#[test]
fn a_server_that_stalls_past_the_timeout_fails_the_run_with_exit_2() {
    let server = Server::start(b"");
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/stall");
    let out = dir.path().join("out");
    let started = Instant::now();
    let ran = run(&pipeline(dir.path(), &url, "timeout_secs = 1\nretries = 0"), &out);
    assert_eq!(ran.status.code(), Some(2), "{}", describe(&ran));
    assert!(started.elapsed() < Duration::from_secs(15), "bounded by the timeout: {:?}", started.elapsed());
    assert!(String::from_utf8_lossy(&ran.stderr).contains(&url));
    assert!(!out.join("net").exists());
    assert!(!dir.path().join("out.inputs").join("sha256").exists(), "nothing half-fetched enters the cache");
}

/// `bytes` as a UnixFS file in a CAR, the way `ipfs add` and a trustless
/// gateway would give it; returns the root CID and the CAR.
fn as_car(bytes: &[u8]) -> (String, Vec<u8>) {
    let mut blocks = Vec::new();
    let node = scoreset::crypto::unixfs::stream_file(bytes, |cid, block| blocks.push((*cid, block.to_vec()))).unwrap();
    let refs: Vec<(cid::Cid, &[u8])> = blocks.iter().map(|(c, b)| (*c, b.as_slice())).collect();
    (node.cid.to_string(), scoreset::crypto::car::write_car(node.cid, &refs).unwrap())
}

#[test]
fn an_ipfs_source_is_rebuilt_from_a_verified_car_and_a_flipped_byte_is_refused() {
    // Over 1 MiB, so the file is a dag-pb root over two raw leaves.
    let edges: String = (0..90_000).map(|i| format!("p{i},p{},1\n", i + 1)).collect();
    let (cid, car) = as_car(edges.as_bytes());
    assert!(cid.starts_with("bafybei"), "a dag-pb root: {cid}");
    let server = Server::start(b"");
    *server.car.lock().unwrap() = car;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let source = format!("ipfs://{cid}");
    let gateway = format!("ipfs_gateway = \"{}\"", server.url(""));
    let ran = run(&pipeline(dir.path(), &source, &gateway), &out);
    assert!(ran.status.success(), "{}", describe(&ran));
    let epoch = out.join("net").join("latest");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    let input = &manifest["credentialSubject"]["inputs"][0];
    assert_eq!(input["source"], source.as_str());
    assert_eq!(input["cid"], cid.as_str(), "the file pinned is the one the CID names");
    assert_eq!(input["records"], 90_000);

    // Recomputed with an empty cache: fetched again through the gateway.
    let empty = dir.path().join("empty-cache");
    let checked =
        scoreset(&["verify", epoch.to_str().unwrap(), "--recompute", "--input-cache", empty.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", describe(&checked));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("(1 fetched again)"));

    // A gateway that flips one byte of a block is refused: exit 2, no epoch.
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let gateway = format!("ipfs_gateway = \"{}\"\nretries = 0", server.url("/bad"));
    let refused = run(&pipeline(&bad, &source, &gateway), &bad.join("out"));
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not hash to its CID"), "{}", describe(&refused));
    assert!(!bad.join("out").join("net").exists());
}

#[test]
fn an_epoch_is_fetched_by_its_root_cid_through_a_gateway_and_verified_and_a_flipped_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("edges.csv"), "a,b,1\nb,c,1\nc,a,1\n").unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { a = 1.0 }\n",
    )
    .unwrap();
    let ran = run(&pipeline, &dir.path().join("out"));
    assert!(ran.status.success(), "{}", describe(&ran));
    let epoch = dir.path().join("out/p/latest");
    let car = std::fs::read(epoch.join("scoreset.car")).unwrap();
    let root = scoreset::crypto::car::CarReader::new(car.as_slice()).unwrap().roots()[0].to_string();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    let issuer = manifest["issuer"].as_str().unwrap().to_owned();

    let server = Server::start(b"");
    *server.car.lock().unwrap() = car;
    let fetched = dir.path().join("fetched");
    let got = scoreset(&[
        "fetch",
        &root,
        "--gateway",
        &server.url(""),
        "--out",
        fetched.to_str().unwrap(),
        "--expect-issuer",
        &issuer,
    ]);
    assert!(got.status.success(), "{}", describe(&got));
    assert!(String::from_utf8_lossy(&got.stdout).contains("VALID"));
    for file in ["manifest.json", "scores.csv", "peer_scores.jsonl", "scoreset.car"] {
        let (got, want) = (fetched.join("20260101T000000Z").join(file), epoch.join(file));
        assert_eq!(std::fs::read(got).unwrap(), std::fs::read(want).unwrap(), "{file}");
    }

    let refused = dir.path().join("refused");
    let bad = scoreset(&["fetch", &root, "--gateway", &server.url("/bad"), "--out", refused.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not hash to its CID"));
    assert!(!refused.join("20260101T000000Z").exists(), "nothing is written from a CAR that does not check out");
}

#[test]
fn a_node_that_is_down_leaves_the_epoch_exits_1_and_scoreset_publish_succeeds_once_it_is_up() {
    let down = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("edges.csv"), "a,b,1\nb,c,1\nc,a,1\n").unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!("name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = {{ a = 1.0 }}\n[publish]\nipfs_api = \"{down}\"\n"),
    )
    .unwrap();
    let ran = run(&pipeline, &dir.path().join("out"));
    assert_eq!(ran.status.code(), Some(1), "{}", describe(&ran));
    assert!(String::from_utf8_lossy(&ran.stderr).contains(&down), "names the endpoint: {}", describe(&ran));
    let pipeline_dir = dir.path().join("out/p");
    let epoch = pipeline_dir.join("20260101T000000Z");
    assert!(epoch.join("scoreset.car").is_file() && pipeline_dir.join("latest").exists(), "the epoch and latest stay");
    assert!(!pipeline_dir.join("published.json").exists());

    let node = Server::start(b"");
    let published = scoreset(&["publish", epoch.to_str().unwrap(), "--ipfs-api", &node.url("")]);
    assert!(published.status.success(), "{}", describe(&published));
    let root = std::fs::read_to_string(pipeline_dir.join("latest.cid")).unwrap().trim().to_owned();
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pipeline_dir.join("published.json")).unwrap()).unwrap();
    assert_eq!(record["20260101T000000Z"]["root"], root.as_str(), "the node reported the epoch's own root");
    assert_eq!(node.hits("/api/v0/dag/import?pin-roots=true"), 1);
    assert!(!epoch.join("published.json").exists(), "an epoch never changes");
}
