//! Why the pool refuses a transaction. Messages follow geth's wording, which tools such as
//! ethers.js and viem recognise, and say what to change.

use alloy_primitives::U256;

/// A transaction the pool does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The bytes are not a valid EIP-2718 transaction.
    #[error("invalid transaction encoding: {0}")]
    Malformed(String),
    /// Larger than the pool's per-transaction size limit.
    #[error("oversized data: transaction is {size} bytes, the limit is {limit} bytes")]
    Oversized {
        /// Encoded size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// The transaction type is not supported on this chain.
    #[error("transaction type not supported: {0}")]
    UnsupportedType(String),
    /// The signature does not recover to a sender.
    #[error("invalid sender: the signature does not recover ({0})")]
    BadSignature(String),
    /// Pre-EIP-155 transaction without a chain id.
    #[error("only replay-protected (EIP-155) transactions allowed over RPC: sign with chain id {0}")]
    NotReplayProtected(u64),
    /// Signed for another chain.
    #[error("invalid chain id: transaction is for chain {got}, this chain is {expected}")]
    WrongChainId {
        /// Chain id in the transaction.
        got: u64,
        /// This chain's id.
        expected: u64,
    },
    /// Gas limit above the per-transaction cap.
    #[error("exceeds per-transaction gas cap: gas limit {gas} is above the cap of {cap}")]
    GasCap {
        /// Gas limit of the transaction.
        gas: u64,
        /// The cap.
        cap: u64,
    },
    /// Gas limit below the intrinsic cost.
    #[error("intrinsic gas too low: gas limit {gas}, the transaction needs at least {needed}")]
    IntrinsicGas {
        /// Gas limit of the transaction.
        gas: u64,
        /// Intrinsic gas.
        needed: u64,
    },
    /// Priority fee above the fee cap.
    #[error("max priority fee per gas higher than max fee per gas: tip {tip}, fee cap {cap}")]
    TipAboveFeeCap {
        /// Max priority fee.
        tip: u128,
        /// Max fee.
        cap: u128,
    },
    /// Fee cap below the current base fee.
    #[error("max fee per gas less than block base fee: maxFeePerGas {fee_cap}, baseFee {base_fee}")]
    FeeCapBelowBaseFee {
        /// Max fee per gas of the transaction.
        fee_cap: u128,
        /// Base fee of the next block.
        base_fee: u64,
    },
    /// Nonce already used.
    #[error("nonce too low: next nonce {next}, tx nonce {got}")]
    NonceTooLow {
        /// Next nonce of the sender.
        next: u64,
        /// Nonce of the transaction.
        got: u64,
    },
    /// Balance cannot pay gas * fee cap + value + the L1 data fee.
    #[error("insufficient funds for gas * price + value + l1 fee: have {have} want {want}")]
    InsufficientFunds {
        /// Balance of the sender.
        have: U256,
        /// Upfront cost of the transaction.
        want: U256,
    },
    /// A transaction with the same sender and nonce is pending and this one does not pay
    /// enough more to replace it.
    #[error("replacement transaction underpriced: raise both the fee cap and the tip by at least {bump_percent}%")]
    ReplacementUnderpriced {
        /// Required bump.
        bump_percent: u64,
    },
    /// Sender has too many pending transactions.
    #[error("account limit exceeded: the sender already has {0} pending transactions")]
    SenderLimit(usize),
    /// The pool is full and this transaction pays too little to evict another.
    #[error("txpool is full: raise the priority fee above the cheapest pending transaction")]
    PoolFull,
}
