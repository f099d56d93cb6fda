//! The devnet's status page in a real browser: headless Chromium (Debian's `chromium`) renders
//! `/status` of a running devnet, the heads it shows (`#l1-head`, `#l2-unsafe`, `#l2-safe`)
//! match what the L1 and L2 JSON-RPC report at the time of the load, and they grow between
//! two loads while the chains produce blocks.

use alloy::{
    providers::{Provider, ProviderBuilder},
    rpc::types::BlockNumberOrTag,
};
use std::{path::Path, process::Command, time::Duration};
use test_support::{Devnet, DevnetConfig, run_bounded, wait_for};

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Blocks a shown head may trail the node's by: the page refreshes once a second, and the
/// sequencer polls L1 once a second.
const LAG: u64 = 3;
/// How long the chains may take to move past what the first load showed.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);

/// Heads as block numbers.
#[derive(Clone, Copy, Debug)]
struct Heads {
    l1_head: u64,
    l2_unsafe: u64,
    l2_safe: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_shows_the_live_heads() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the status page test renders the page in Debian's Chromium \
         (`apt-get install chromium`; .ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&DevnetConfig::new(&dir.path().join("devnet")));
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_rpc.parse().unwrap());
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_rpc.parse().unwrap());

    // Every head is live once a batch has made some block safe.
    wait_for(CHAIN_TIMEOUT, "a safe block", || async { (node_heads(&l1, &l2).await.l2_safe > 0).then_some(()) }).await;
    let first = load(&devnet.status_page, &dir.path().join("profile-1"), &l1, &l2).await;
    wait_for(CHAIN_TIMEOUT, "the heads to move past the first load", || async {
        let now = node_heads(&l1, &l2).await;
        (now.l1_head > first.l1_head && now.l2_unsafe > first.l2_unsafe && now.l2_safe > first.l2_safe).then_some(())
    })
    .await;
    let second = load(&devnet.status_page, &dir.path().join("profile-2"), &l1, &l2).await;
    assert!(second.l1_head > first.l1_head, "#l1-head did not grow: {first:?} then {second:?}");
    assert!(second.l2_unsafe > first.l2_unsafe, "#l2-unsafe did not grow: {first:?} then {second:?}");
    assert!(second.l2_safe > first.l2_safe, "#l2-safe did not grow: {first:?} then {second:?}");
    devnet.stop();
}

/// Loads the status page in Chromium with a fresh profile and checks the heads it shows
/// against the nodes' before and after the load; returns the shown heads.
async fn load(url: &str, profile: &Path, l1: &impl Provider, l2: &impl Provider) -> Heads {
    let before = node_heads(l1, l2).await;
    let dom = dump_dom(url, profile);
    let after = node_heads(l1, l2).await;
    for section in ["batches", "outputs", "verifier", "throughput"] {
        assert!(dom.contains(&format!("id=\"{section}\"")), "the page has no #{section}:\n{dom}");
    }
    assert!(dom.contains("<svg") && dom.contains("id=\"throughput\""), "#throughput is not an SVG chart");
    let finalized = number_in(&dom, "l2-finalized");
    let shown = Heads {
        l1_head: number_in(&dom, "l1-head"),
        l2_unsafe: number_in(&dom, "l2-unsafe"),
        l2_safe: number_in(&dom, "l2-safe"),
    };
    let within = |name: &str, shown: u64, before: u64, after: u64| {
        assert!(
            before.saturating_sub(LAG) <= shown && shown <= after,
            "#{name} shows {shown}, the node had {before} before the load and {after} after"
        );
    };
    within("l1-head", shown.l1_head, before.l1_head, after.l1_head);
    within("l2-unsafe", shown.l2_unsafe, before.l2_unsafe, after.l2_unsafe);
    within("l2-safe", shown.l2_safe, before.l2_safe, after.l2_safe);
    assert!(
        finalized <= shown.l2_safe && shown.l2_safe <= shown.l2_unsafe,
        "heads out of order: {shown:?}, finalized {finalized}"
    );
    shown
}

/// The L1 head (`eth_blockNumber` on L1), and the L2's `latest` and `safe` block numbers.
async fn node_heads(l1: &impl Provider, l2: &impl Provider) -> Heads {
    let safe = l2.get_block_by_number(BlockNumberOrTag::Safe).await.unwrap().expect("a safe block");
    Heads {
        l1_head: l1.get_block_number().await.unwrap(),
        l2_unsafe: l2.get_block_number().await.unwrap(),
        l2_safe: safe.header.number,
    }
}

/// The DOM of `url` after Chromium ran its scripts for five seconds of virtual time.
fn dump_dom(url: &str, profile: &Path) -> String {
    let mut chromium = Command::new(CHROMIUM);
    chromium
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=5000", "--dump-dom", url]);
    let output = run_bounded(&mut chromium, Duration::from_secs(60));
    assert!(output.status.success(), "chromium failed on {url}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

/// The decimal number that is the first text inside the element with id `id`.
fn number_in(dom: &str, id: &str) -> u64 {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("the page has no #{id}:\n{dom}"));
    let mut rest = &dom[start..];
    // Skip to the end of the element's opening tag, then past any nested tags to the first text.
    let text = loop {
        let Some(close) = rest.find('>') else { panic!("#{id} has no text") };
        rest = &rest[close + 1..];
        let text = rest[..rest.find('<').unwrap_or(rest.len())].trim();
        if !text.is_empty() {
            break text;
        }
    };
    text.parse().unwrap_or_else(|_| panic!("#{id} shows {text:?}, not a block number"))
}
