//! Fee suggestions and `eth_feeHistory`.

use super::{EthRpc, error::invalid_params};
use crate::node::BlockReader as _;
use alloy::{
    consensus::Transaction as _,
    rpc::types::{BlockNumberOrTag, FeeHistory},
};
use jsonrpsee::core::RpcResult;

/// Most blocks one `eth_feeHistory` call covers.
const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;

impl EthRpc {
    /// Base fee of the next block.
    pub(crate) async fn next_base_fee(&self) -> u64 {
        let state = self.chain.read_state().await;
        self.chain.next_base_fee(&state.head.header)
    }

    /// `eth_feeHistory`.
    pub(crate) async fn do_fee_history(
        &self,
        block_count: u64,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        if let Some(p) = &percentiles
            && (p.iter().any(|v| !(0.0..=100.0).contains(v)) || p.windows(2).any(|w| w[0] > w[1]))
        {
            return Err(invalid_params("reward percentiles must be increasing values between 0 and 100"));
        }
        let newest = self.resolve_number(newest).await?;
        let count = block_count.clamp(1, MAX_FEE_HISTORY_BLOCKS).min(newest + 1);
        let oldest = newest + 1 - count;
        let mut history = FeeHistory { oldest_block: oldest, ..Default::default() };
        let mut rewards = Vec::new();
        let mut last = None;
        for number in oldest..=newest {
            let (_, header) = self.chain.header(number).await?.ok_or_else(super::error::unknown_block)?;
            let base_fee = header.base_fee_per_gas.unwrap_or_default();
            history.base_fee_per_gas.push(u128::from(base_fee));
            history.gas_used_ratio.push(header.gas_used as f64 / header.gas_limit as f64);
            history.base_fee_per_blob_gas.push(0);
            history.blob_gas_used_ratio.push(0.0);
            if let Some(percentiles) = &percentiles {
                let txs = self.chain.block_transactions(number).await?;
                let mut tips: Vec<(u128, u64)> = txs
                    .iter()
                    .map(|tx| (tx.tx.effective_tip_per_gas(base_fee).unwrap_or_default(), tx.gas_used))
                    .collect();
                tips.sort_unstable();
                rewards.push(reward_percentiles(&tips, header.gas_used, percentiles));
            }
            last = Some(header);
        }
        let last = last.expect("count >= 1");
        history.base_fee_per_gas.push(u128::from(self.chain.next_base_fee(&last)));
        history.base_fee_per_blob_gas.push(0);
        history.reward = percentiles.map(|_| rewards);
        Ok(history)
    }
}

/// Tips at the given percentiles of gas used, as geth computes them.
fn reward_percentiles(sorted_tips: &[(u128, u64)], gas_used: u64, percentiles: &[f64]) -> Vec<u128> {
    if sorted_tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    let mut index = 0;
    let mut cumulative = sorted_tips[0].1;
    percentiles
        .iter()
        .map(|p| {
            let threshold = (gas_used as f64 * p / 100.0) as u64;
            while cumulative < threshold && index + 1 < sorted_tips.len() {
                index += 1;
                cumulative += sorted_tips[index].1;
            }
            sorted_tips[index].0
        })
        .collect()
}
