//! Against a real IPFS node: js-ipfs (npm `ipfs` 0.66.1, installed by
//! `.ci/run` from `tests/ipfs-node/`), started offline on 127.0.0.1 by the
//! test with an empty bootstrap list and no swarm addresses, and stopped
//! after. A pipeline reads a URL, an `ipfs://` path added to the node and a
//! local file; its epoch is published to the node, fetched back with
//! `scoreset fetch` into an empty folder and recomputed there from an empty
//! input cache. In CI a missing node fails the test; elsewhere it is skipped,
//! saying so.

mod common;

use common::{describe, scoreset, shared};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The `jsipfs` command: `SCORESET_JSIPFS`, else where `.ci/run` installs it.
fn jsipfs() -> Option<PathBuf> {
    let path = match std::env::var_os("SCORESET_JSIPFS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/scoreset-npm/node_modules/.bin/jsipfs"),
    };
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have the js-ipfs node ({}): .ci/run installs it with npm",
        path.display()
    );
    eprintln!("skipped: no js-ipfs node at {} (run .ci/run, or set SCORESET_JSIPFS)", path.display());
    None
}

/// A port free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A js-ipfs repository whose daemon serves its RPC on 127.0.0.1:`api_port`.
struct Repo {
    jsipfs: PathBuf,
    path: PathBuf,
    api_port: u16,
}

/// A running daemon of a [`Repo`]; killed on drop.
struct Node {
    daemon: Child,
    api: String,
}

impl Repo {
    /// `jsipfs init --empty-repo` in `path`, configured to make no outside connection.
    fn init(jsipfs: &Path, path: &Path) -> Repo {
        let repo = Repo { jsipfs: jsipfs.to_owned(), path: path.to_owned(), api_port: free_port() };
        let init = repo.command().args(["init", "--empty-repo"]).output().unwrap();
        assert!(init.status.success(), "jsipfs init: {}", describe(&init));
        let config_path = path.join("config");
        let mut config: serde_json::Value = serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
        // Nothing to dial, nothing to listen on but 127.0.0.1.
        config["Bootstrap"] = serde_json::json!([]);
        config["Addresses"]["Swarm"] = serde_json::json!([]);
        config["Addresses"]["Delegates"] = serde_json::json!([]);
        config["Addresses"]["API"] = format!("/ip4/127.0.0.1/tcp/{}", repo.api_port).into();
        config["Addresses"]["Gateway"] = format!("/ip4/127.0.0.1/tcp/{}", free_port()).into();
        config["Addresses"]["RPC"] = format!("/ip4/127.0.0.1/tcp/{}", free_port()).into();
        config["Discovery"]["MDNS"]["Enabled"] = false.into();
        config["Discovery"]["webRTCStar"]["Enabled"] = false.into();
        std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        repo
    }

    /// The RPC endpoint, whether or not the daemon is up.
    fn api(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    fn command(&self) -> Command {
        let polyfill = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ipfs-node/withresolvers.cjs");
        let mut c = Command::new(&self.jsipfs);
        c.env("IPFS_PATH", &self.path).env("NODE_OPTIONS", format!("--require {}", polyfill.display()));
        c
    }

    /// `jsipfs daemon --offline`, once it says it is ready.
    fn start(&self) -> Node {
        let mut daemon = self
            .command()
            .args(["daemon", "--offline"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = daemon.stdout.take().unwrap();
        let (ready, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("Daemon is ready") {
                    let _ = ready.send(());
                }
            }
        });
        let node = Node { daemon, api: self.api() };
        wait.recv_timeout(Duration::from_secs(120)).expect("the js-ipfs daemon is ready within 2 minutes");
        node
    }
}

impl Node {
    /// `/api/v0/add` of `bytes` as `name` wrapped in a directory (CIDv1, raw leaves); the directory's CID.
    fn add_in_directory(&self, name: &str, bytes: &[u8]) -> String {
        const BOUNDARY: &str = "scoreset-test-boundary";
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let url = format!("{}/api/v0/add?cid-version=1&raw-leaves=true&wrap-with-directory=true", self.api);
        let answer = ureq::post(&url)
            .header("Content-Type", &format!("multipart/form-data; boundary={BOUNDARY}"))
            .send(&body[..])
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        // One line per entry; the directory's has an empty name.
        answer
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["Name"] == "")
            .and_then(|v| v["Hash"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no directory in the node's answer: {answer}"))
    }
}

impl Drop for Node {
    /// Stops the daemon the way an operator would (SIGTERM), so it releases
    /// its repository lock; kills it if it has not exited within 30 s.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.daemon.id().to_string()]).status();
        for _ in 0..300 {
            if let Ok(Some(_)) = self.daemon.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A server on 127.0.0.1 answering every GET with `body`, counting the requests.
fn serve(body: &'static [u8]) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/trust.csv", listener.local_addr().unwrap().port());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(&[reply.as_bytes(), body].concat());
        }
    });
    (url, hits)
}

#[test]
fn an_epoch_of_url_ipfs_and_local_sources_is_published_to_a_real_node_fetched_back_and_recomputed() {
    let Some(jsipfs) = jsipfs() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::init(&jsipfs, &dir.path().join("ipfs-repo"));
    let api = repo.api();
    let alpha = std::fs::read(shared("data/soc-sign-bitcoinalpha.csv.gz")).unwrap();
    let directory = repo.start().add_in_directory("alpha.csv.gz", &alpha);

    let (url, url_hits) = serve(b"alice,bob,1\nbob,carol,1\ncarol,alice,1\n");
    std::fs::write(dir.path().join("local.csv"), "alice,7188,1\n").unwrap();
    let ipfs_source = format!("ipfs://{directory}/alpha.csv.gz");
    let write_pipeline = |name: &str, ipfs: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "name = \"{name}\"\n\
                 [[source]]\nformat = \"edges\"\npath = \"{url}\"\n{ipfs}\
                 [[source]]\nformat = \"edges\"\npath = \"local.csv\"\n\
                 [pretrust]\nentries = {{ alice = 1.0 }}\n\
                 [inputs]\nipfs_api = \"{api}\"\nretries = 0\n\
                 [publish]\nipfs_api = \"{api}\"\n"
            ),
        )
        .unwrap();
        path
    };
    let net = write_pipeline("net", &format!("[[source]]\nformat = \"edges\"\npath = \"{ipfs_source}\"\n"));
    let plain = write_pipeline("plain", "");
    let out = dir.path().join("out");
    let run = |pipeline: &Path| {
        let (pipeline, out) = (pipeline.to_str().unwrap(), out.to_str().unwrap());
        scoreset(&["run", pipeline, "--as-of", "2026-01-01T00:00:00Z", "--out", out])
    };

    // The node is down. An ipfs:// source cannot be fetched: exit 2 naming it, no epoch.
    let failed = run(&net);
    assert_eq!(failed.status.code(), Some(2), "{}", describe(&failed));
    assert!(String::from_utf8_lossy(&failed.stderr).contains(&ipfs_source), "{}", describe(&failed));
    assert!(!out.join("net/20260101T000000Z").exists(), "no epoch from a failed fetch");
    // A pipeline without one writes its epoch, fails to publish it: exit 1, the epoch and latest stay.
    let unpublished = run(&plain);
    assert_eq!(unpublished.status.code(), Some(1), "{}", describe(&unpublished));
    assert!(String::from_utf8_lossy(&unpublished.stderr).contains(&api), "names the node: {}", describe(&unpublished));
    let plain_epoch = out.join("plain/20260101T000000Z");
    assert!(plain_epoch.join("scoreset.car").is_file() && out.join("plain/latest").exists());
    assert!(!out.join("plain/published.json").exists());

    let node = repo.start();
    let published = scoreset(&["publish", plain_epoch.to_str().unwrap()]);
    assert!(published.status.success(), "once the node is up, publish succeeds: {}", describe(&published));
    assert!(out.join("plain/published.json").is_file());

    let ran = run(&net);
    assert!(ran.status.success(), "{}", describe(&ran));
    let pipeline_dir = out.join("net");
    let root = std::fs::read_to_string(pipeline_dir.join("latest.cid")).unwrap().trim().to_owned();
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pipeline_dir.join("published.json")).unwrap()).unwrap();
    assert_eq!(record["20260101T000000Z"]["root"], root.as_str(), "the node reported the epoch's own root");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pipeline_dir.join("latest/manifest.json")).unwrap()).unwrap();
    let inputs = manifest["credentialSubject"]["inputs"].as_array().unwrap();
    assert_eq!(inputs[1]["source"], ipfs_source.as_str());
    let alpha_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&alpha));
    assert_eq!(inputs[1]["sha256"], alpha_sha.as_str(), "the file rebuilt from the node's blocks is the file added");
    let peers = std::fs::read_to_string(pipeline_dir.join("latest/scores.csv")).unwrap();
    assert!(peers.lines().count() > 3000, "the Bitcoin Alpha graph was read: {} lines", peers.lines().count());

    // A marketplace: fetch the epoch by its root CID into an empty folder, verified on arrival.
    let market = dir.path().join("market");
    std::fs::create_dir(&market).unwrap();
    let fetched = scoreset(&["fetch", &root, "--ipfs-api", &node.api, "--out", market.to_str().unwrap()]);
    assert!(fetched.status.success(), "{}", describe(&fetched));
    assert!(String::from_utf8_lossy(&fetched.stdout).contains("VALID"), "{}", describe(&fetched));
    let copy = market.join("20260101T000000Z");
    for file in ["scores.csv", "manifest.json", "scoreset.car"] {
        let same = std::fs::read(copy.join(file)).unwrap()
            == std::fs::read(pipeline_dir.join("20260101T000000Z").join(file)).unwrap();
        assert!(same, "{file} is fetched back byte for byte");
    }

    // Recompute there from an empty input cache: the URL and the CID are fetched again.
    let before = url_hits.load(std::sync::atomic::Ordering::SeqCst);
    let empty = dir.path().join("empty-cache");
    let recomputed = scoreset(&[
        "verify",
        copy.to_str().unwrap(),
        "--recompute",
        "--base",
        dir.path().to_str().unwrap(),
        "--input-cache",
        empty.to_str().unwrap(),
    ]);
    assert!(recomputed.status.success(), "{}", describe(&recomputed));
    assert!(String::from_utf8_lossy(&recomputed.stdout).contains("(2 fetched again)"), "{}", describe(&recomputed));
    assert_eq!(url_hits.load(std::sync::atomic::Ordering::SeqCst), before + 1, "the URL was fetched again");
    assert!(empty.join("sha256").join(&alpha_sha).join("alpha.csv.gz").is_file(), "the CID's file, cached by its hash");
}
