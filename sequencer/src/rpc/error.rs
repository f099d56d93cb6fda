//! JSON-RPC errors with the codes of EIP-1474 and geth, and messages that say what to fix.

use crate::{
    node::{ReadError, SubmitError},
    pool::PoolError,
};
use alloy_primitives::Bytes;
use jsonrpsee::types::ErrorObjectOwned;
use storage::StoreError;

/// EIP-1474 "invalid input"; geth uses it for every transaction rejection.
pub(crate) const INVALID_INPUT: i32 = -32000;
/// JSON-RPC "invalid params".
pub(crate) const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC "internal error".
pub(crate) const INTERNAL_ERROR: i32 = -32603;
/// EIP-1474 "limit exceeded".
pub(crate) const LIMIT_EXCEEDED: i32 = -32005;
/// geth's code for a reverted call; the revert data is in `data`.
pub(crate) const EXECUTION_REVERTED: i32 = 3;

/// An error answered to the client.
pub(crate) fn rpc_error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

/// Invalid parameters.
pub(crate) fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    rpc_error(INVALID_PARAMS, message)
}

/// A block that does not exist (yet).
pub(crate) fn unknown_block() -> ErrorObjectOwned {
    rpc_error(INVALID_INPUT, "header not found")
}

/// A call that reverted, with its revert data (decoded as a reason string when it is one).
pub(crate) fn reverted(output: Bytes) -> ErrorObjectOwned {
    use alloy::sol_types::{Panic, Revert, SolError};
    let message = if let Ok(revert) = Revert::abi_decode(&output) {
        format!("execution reverted: {}", revert.reason)
    } else if let Ok(panic) = Panic::abi_decode(&output) {
        format!("execution reverted: panic: {panic}")
    } else {
        "execution reverted".to_string()
    };
    ErrorObjectOwned::owned(EXECUTION_REVERTED, message, Some(output))
}

impl From<PoolError> for ErrorObjectOwned {
    fn from(err: PoolError) -> Self {
        let code = match err {
            PoolError::Malformed(_) => INVALID_PARAMS,
            PoolError::PoolFull | PoolError::SenderLimit(_) => LIMIT_EXCEEDED,
            _ => INVALID_INPUT,
        };
        rpc_error(code, err.to_string())
    }
}

impl From<SubmitError> for ErrorObjectOwned {
    fn from(err: SubmitError) -> Self {
        match err {
            SubmitError::Rejected(err) => err.into(),
            SubmitError::Store(err) => internal(err),
        }
    }
}

impl From<ReadError> for ErrorObjectOwned {
    fn from(ReadError(err): ReadError) -> Self {
        internal(err)
    }
}

/// A database failure while serving a request: logged, and answered as an internal error.
pub(crate) fn internal(err: StoreError) -> ErrorObjectOwned {
    tracing::error!(%err, "storage error while serving RPC");
    rpc_error(INTERNAL_ERROR, format!("internal error: {err}"))
}
