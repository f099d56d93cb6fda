//! `rollup fraud-prover replay --output N`: re-execute a disputed range from the last output
//! that agrees with derivation, print the state root after every block and every step, and
//! name the first step where the chain derived from L1 and the claimant part ways.

use crate::{error::VerifierError, verifier::VerifierConfig};
use alloy::{
    eips::BlockNumberOrTag,
    providers::{DynProvider, Provider, ProviderBuilder},
};
use alloy_primitives::{Address, B256, U256};
use rollup_core::{StateReader, WorldState, apply_block, trace_block};
use rollup_derive::{DerivationConfig, DerivedBlock, Deriver, ExecutingChain, L1Reader, L2Chain};
use rollup_l1::OutputOracle;
use std::{collections::BTreeSet, io::Write};

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// The replayed output's L2 block.
    pub l2_block: u64,
    /// The root posted on L1.
    pub claimed_root: B256,
    /// The root derived from L1.
    pub derived_root: B256,
    /// The last earlier output that agrees with derivation: (index, L2 block).
    pub agreed: Option<(u64, u64)>,
    /// The first block whose state root differs from the claimant's L2 node.
    pub first_diverging_block: Option<u64>,
    /// The first step of that block that wrote a location where the two differ (for
    /// example "transaction 2 (0x…)").
    pub first_diverging_step: Option<String>,
}

/// Replays output `index`. With `claimant_l2_rpc` (the L2 node whose chain the proposer
/// posted), every derived block is compared with the claimant's block and the first diverging
/// step is named; without it only the derived roots are printed.
pub async fn replay_output(
    config: &VerifierConfig,
    index: u64,
    claimant_l2_rpc: Option<&str>,
    out: &mut dyn Write,
) -> Result<ReplayReport, VerifierError> {
    let url = config.l1_rpc_url.parse().map_err(|err| VerifierError::Invalid(format!("L1 RPC URL: {err}")))?;
    let l1 = ProviderBuilder::new().connect_http(url).erased();
    let oracle = OutputOracle::new(config.deployment.output_oracle, l1.clone());
    let count: u64 =
        oracle.nextOutputIndex().call().await.map_err(VerifierError::contract("nextOutputIndex"))?.saturating_to();
    if index >= count {
        return Err(VerifierError::Invalid(format!("output {index} does not exist: the oracle holds {count} outputs")));
    }
    let claim = |i: u64| {
        let oracle = oracle.clone();
        async move {
            let output = oracle.getOutput(U256::from(i)).call().await.map_err(VerifierError::contract("getOutput"))?;
            Ok::<_, VerifierError>((output.outputRoot, output.l2BlockNumber))
        }
    };
    let (claimed_root, l2_block) = claim(index).await?;

    // Derive from L1 up to the disputed block, keeping every block's inputs.
    let deployment = &config.deployment;
    let reader = L1Reader::new(l1.clone(), deployment.batch_inbox, deployment.portal, deployment.system_config);
    let chain = ExecutingChain::recording(config.genesis.clone(), config.executor.clone());
    let mut deriver = Deriver::new(reader, DerivationConfig::new(&config.genesis), chain).await?;
    while deriver.chain().head().number() < l2_block {
        if deriver.step(1000).await?.l1_blocks == 0 {
            let head = deriver.chain().head().number();
            return Err(VerifierError::Invalid(format!(
                "L1 holds batches up to L2 block {head} only; output {index} is for block {l2_block}"
            )));
        }
    }
    let chain = deriver.chain();
    let derived_root = chain.output(l2_block).expect("derived").root();
    let mut agreed = None;
    for earlier in (0..index).rev() {
        let (root, block) = claim(earlier).await?;
        if chain.output(block).map(|output| output.root()) == Some(root) {
            agreed = Some((earlier, block));
            break;
        }
    }
    let start = agreed.map_or(0, |(_, block)| block);
    let line = |out: &mut dyn Write, text: String| writeln!(out, "{text}").map_err(VerifierError::Output);
    line(
        out,
        format!("output {index}: L2 block {l2_block}, claimed root {claimed_root}, derived root {derived_root}"),
    )?;
    match agreed {
        Some((i, block)) => line(out, format!("last agreed output: {i} at L2 block {block}"))?,
        None => line(out, "no earlier output agrees: replaying from genesis".into())?,
    }

    let claimant = claimant_l2_rpc
        .map(|url| url.parse().map(|url| ProviderBuilder::new().connect_http(url).erased()))
        .transpose()
        .map_err(|err| VerifierError::Invalid(format!("claimant L2 RPC URL: {err}")))?;
    let blocks = chain.recorded().expect("a recording chain");
    let genesis = chain.genesis();
    let chain_id = genesis.config.chain_id;
    let executor = config.executor.as_ref();
    let (mut world, _) = genesis.build();
    let mut report = ReplayReport {
        l2_block,
        claimed_root,
        derived_root,
        agreed,
        first_diverging_block: None,
        first_diverging_step: None,
    };
    for block in &blocks[..start as usize] {
        let DerivedBlock { attributes, deposits, transactions } = block.clone();
        let number = attributes.number;
        apply_block(&mut world, executor, chain_id, &attributes, deposits, transactions)
            .map_err(|source| VerifierError::Execution { number, source })?;
    }
    for block in &blocks[start as usize..l2_block as usize] {
        let DerivedBlock { attributes, deposits, transactions } = block.clone();
        let number = attributes.number;
        let (sealed, steps) = trace_block(&mut world, executor, chain_id, &attributes, deposits, transactions)
            .map_err(|source| VerifierError::Execution { number, source })?;
        let claimed = match &claimant {
            Some(provider) => claimant_state_root(provider, number).await?,
            None => None,
        };
        let verdict = match claimed {
            Some(root) if root == sealed.header.state_root => "claimant agrees".to_string(),
            Some(root) => format!("claimant has {root}"),
            None => String::new(),
        };
        line(out, format!("block {number} {}: state root {} {verdict}", sealed.hash, sealed.header.state_root))?;
        for step in &steps {
            line(out, format!("  {}: state root {}", step.kind, step.state_root))?;
        }
        let diverged = claimed.is_some_and(|root| root != sealed.header.state_root);
        if diverged && report.first_diverging_block.is_none() {
            report.first_diverging_block = Some(number);
            let provider = claimant.as_ref().expect("claimed implies a claimant");
            let differing = differing_locations(provider, &world, &steps, number).await?;
            let step = steps.iter().find(|step| touches(&step.diff, &differing));
            let text = match step {
                Some(step) => {
                    let what: Vec<String> = differing
                        .iter()
                        .map(|(address, slot)| match slot {
                            Some(slot) => format!("{address} slot {slot}"),
                            None => format!("{address}"),
                        })
                        .collect();
                    line(
                        out,
                        format!("FIRST DIVERGENCE: block {number}, {} (differs at {})", step.kind, what.join(", ")),
                    )?;
                    step.kind.to_string()
                }
                None => {
                    line(
                        out,
                        format!(
                            "FIRST DIVERGENCE: block {number}, before its first step: every location the block \
                         writes agrees, so the claimant's state differed before the block"
                        ),
                    )?;
                    "before the block".to_string()
                }
            };
            report.first_diverging_step = Some(text);
        }
    }
    if claimant.is_some() && report.first_diverging_block.is_none() && derived_root != claimed_root {
        line(out, "every block agrees with the claimant's L2 node: the posted output root itself is wrong".into())?;
    }
    Ok(report)
}

/// The claimant's state root of block `number`.
async fn claimant_state_root(provider: &DynProvider, number: u64) -> Result<Option<B256>, VerifierError> {
    let block =
        provider.get_block_by_number(BlockNumberOrTag::Number(number)).await.map_err(VerifierError::ClaimantRpc)?;
    Ok(block.map(|block| block.header.state_root))
}

/// A state location: an account (its balance, nonce and code) or one of its storage slots.
type Location = (Address, Option<U256>);

/// Locations written in the block whose value after the block differs between the derived
/// world and the claimant's node (read with `eth_getBalance`, `eth_getTransactionCount` and
/// `eth_getStorageAt` at the block).
async fn differing_locations(
    provider: &DynProvider,
    world: &WorldState,
    steps: &[rollup_core::TraceStep],
    number: u64,
) -> Result<BTreeSet<Location>, VerifierError> {
    let mut written: std::collections::BTreeMap<Address, BTreeSet<U256>> = Default::default();
    for step in steps {
        for (address, account) in &step.diff.accounts {
            written.entry(*address).or_default().extend(account.storage.keys().copied());
        }
    }
    let rpc = |err: alloy::transports::TransportError| VerifierError::Invalid(format!("claimant L2 RPC: {err}"));
    let mut differing = BTreeSet::new();
    for (address, slots) in written {
        let derived = world.account(address).unwrap_or_default();
        let balance = provider.get_balance(address).number(number).await.map_err(rpc)?;
        let nonce = provider.get_transaction_count(address).number(number).await.map_err(rpc)?;
        if derived.balance != balance || derived.nonce != nonce {
            differing.insert((address, None));
        }
        for slot in slots {
            let value = provider.get_storage_at(address, slot).number(number).await.map_err(rpc)?;
            if world.storage(address, slot) != value {
                differing.insert((address, Some(slot)));
            }
        }
    }
    Ok(differing)
}

/// Whether a step's changes write any of `locations`.
fn touches(diff: &rollup_core::StateDiff, locations: &BTreeSet<Location>) -> bool {
    locations.iter().any(|(address, slot)| match (diff.accounts.get(address), slot) {
        (Some(account), Some(slot)) => account.storage.contains_key(slot),
        (Some(account), None) => account.info.is_some(),
        (None, _) => false,
    })
}
