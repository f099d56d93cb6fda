//! The witnesses of the steps around the transaction's frame (`TransactionSteps.sol`):
//! `TxStart`, one `AccessList` step per address and key, `FrameSetup` and `TxEnd`.

use super::{
    context::ContextData,
    world::{WorldMirror, after_balance},
};
use crate::commitment::{Access, Authorization, Call, Context, Frame, Machine, Micro, Outcome, Witness, World};
use alloy_primitives::{Address, B256, Bytes, U256};

/// Kind of the micro-step that walks the access list.
pub(crate) const ACCESS_LIST_MICRO: u8 = 4;

/// The transaction's parts the phases read.
#[derive(Default)]
pub(crate) struct Transaction {
    /// The calldata, which the transaction's frame reads (no phase's witness carries it: the
    /// context has its root, length and tokens).
    pub(crate) data: Bytes,
    pub(crate) access_list: Vec<Access>,
    pub(crate) authorizations: Vec<Authorization>,
}

/// A witness holding the machine, its world and context and nothing else yet.
pub(crate) fn base(machine: Machine, world: World, context: &Context, tx: &Transaction) -> Witness {
    Witness {
        machine,
        frame: Frame::default(),
        outcome: Outcome::default(),
        call: Call::default(),
        micro: Micro::default(),
        sponge: Default::default(),
        stack: Vec::new(),
        stackBelow: B256::ZERO,
        code: Vec::new(),
        codeProofs: Vec::new(),
        words: Vec::new(),
        wordProofs: Vec::new(),
        sourceWords: Vec::new(),
        sourceProofs: Vec::new(),
        world,
        context: context.clone(),
        tries: Vec::new(),
        sibling: Bytes::new(),
        data: Bytes::new(),
        accessList: tx.access_list.clone(),
        authorizations: tx.authorizations.clone(),
    }
}

/// The witness of a step from `machine` that reads nothing else: a `Done` machine's, which a
/// step leaves as it is.
pub(crate) fn bare(machine: Machine) -> Witness {
    base(machine, World::default(), &Context::default(), &Transaction::default())
}

/// The micro-step at `entry`, `item` of the access list (0 the address, `k` its key `k - 1`).
pub(crate) fn access_micro(entry: usize, item: usize) -> Micro {
    Micro { kind: ACCESS_LIST_MICRO, a: U256::from(entry), b: U256::from(item), ..Default::default() }
}

/// `TxStart`: the sender's proof and the blob hashes.
pub(crate) fn tx_start(w: &mut Witness, world: &mut WorldMirror, context: &ContextData) {
    let origin = context.context.origin;
    w.tries = vec![world.state(false).account_proof(origin, &[]).account_proof];
    w.words.clone_from(&context.blob_hashes);
}

/// Kind of the micro-step that applies the authorization list (EIP-7702).
pub(crate) const AUTHORIZATION_MICRO: u8 = 8;
/// Gas refunded per authorization whose authority existed (EIP-7702).
const AUTHORITY_REFUND: u64 = 12_500;

/// A step of the `AccessList` phase: an item of the access list (the entry, and 0 for its
/// address or `k` for its key `k - 1`), or an authorization.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PreExecution {
    Access(usize, usize),
    Authorization(usize),
}

impl PreExecution {
    /// The micro-step the machine holds before this step.
    pub(crate) fn micro(&self) -> Micro {
        match *self {
            Self::Access(entry, item) => access_micro(entry, item),
            Self::Authorization(index) => {
                Micro { kind: AUTHORIZATION_MICRO, a: U256::from(index), ..Default::default() }
            }
        }
    }
}

/// One authorization step (`TransactionSteps._authorize`, revm's `apply_auth_list`): its
/// witness (the authority's warm-set and account proofs, its code) and its effect on `world`,
/// the delegation's code added to the context's codes.
pub(crate) fn authorize(w: &mut Witness, world: &mut WorldMirror, context: &mut ContextData, auth: &Authorization) {
    w.tries = vec![Vec::new(), Vec::new()];
    let Some(authority) = authority(auth, context.context.chainId) else { return };
    w.tries[0] = world.warm_account_proof(authority);
    world.apply(authority, super::witness::warm_effect(context, &[authority]));
    let (proof, code_hash) = world.account_with_code_hash(authority);
    w.tries[1] = proof;
    let code = world.code(context, authority);
    if code_hash.is_some_and(|hash| hash != alloy_primitives::KECCAK256_EMPTY) {
        w.data = code.clone();
    }
    let nonce = world.state(false).account(authority).map_or(0, |account| account.nonce);
    if !(code.is_empty() || super::is_delegation(&code)) || nonce != auth.nonce {
        return;
    }
    if code_hash.is_some() {
        let refund = u64::try_from(world.world().refund).unwrap_or_default();
        world.set_refund(refund + AUTHORITY_REFUND);
    }
    let designator = if auth.account.is_zero() {
        Bytes::new()
    } else {
        Bytes::from([&[0xef, 0x01, 0x00][..], auth.account.as_slice()].concat())
    };
    let hash = alloy_primitives::keccak256(&designator);
    context.codes.insert(hash, designator);
    world.update_account(authority, |info| {
        info.nonce += 1;
        info.code_hash = hash;
    });
}

/// The authority that signed `auth` (alloy's recovery, as revm's), or none when the
/// authorization is for another chain, has the largest nonce or a bad signature.
fn authority(auth: &Authorization, chain_id: u64) -> Option<Address> {
    if (!auth.chainId.is_zero() && auth.chainId != U256::from(chain_id)) || auth.nonce == u64::MAX {
        return None;
    }
    let inner =
        alloy::eips::eip7702::Authorization { chain_id: auth.chainId, address: auth.account, nonce: auth.nonce };
    alloy::eips::eip7702::SignedAuthorization::new_unchecked(inner, auth.yParity, auth.r, auth.s)
        .recover_authority()
        .ok()
}

/// One `AccessList` step: warms the item and returns its witness's trie proof.
pub(crate) fn access_item(world: &mut WorldMirror, access: &Access, item: usize) -> Vec<Bytes> {
    if item == 0 {
        let proof = world.warm_account_proof(access.account);
        world.warm_account(access.account);
        proof
    } else {
        let key = access.keys[item - 1];
        let proof = world.warm_slot_proof(access.account, key);
        world.warm_slot(access.account, key);
        proof
    }
}

/// `FrameSetup`: the recipient's code and proofs of the recipient, the sender, and the recipient
/// after the sender's debit (with the deletion witness when the transfer leaves it empty).
pub(crate) fn frame_setup(w: &mut Witness, world: &mut WorldMirror, frame: &Frame, code: Bytes) {
    let (to, from, value) = (frame.account, frame.caller, frame.value);
    let state = world.state(false);
    let recipient = state.account_proof(to, &[]).account_proof;
    let (sender, mut debited) =
        after_balance(state, from, |balance| if value.is_zero() || from == to { balance } else { balance - value });
    let (recipient_after, credited) =
        after_balance(&mut debited, to, |balance| if from == to { balance } else { balance + value });
    if credited.account(to).is_none() {
        w.sibling = debited.account_deletion_sibling(to).unwrap_or_default();
    }
    w.tries = vec![recipient, sender, recipient_after];
    w.data = code;
}

/// `TxEnd`: the sender's proof in `state` after its `refund` wei, then each account's of
/// `credits` (the coinbase, then under the L2's fees the vaults) after the credits before it,
/// with the collapse witness of each the credit leaves empty: the coinbase's in `sibling`, the
/// others' as one more proof. Returns the state after the payments.
pub(crate) fn tx_end(
    w: &mut Witness,
    state: &mut rollup_core::StateTrie,
    origin: Address,
    refund: U256,
    credits: &[(Address, U256)],
) -> rollup_core::StateTrie {
    let (sender, mut paid) = after_balance(state, origin, |balance| balance + refund);
    let mut tries = vec![sender];
    let mut siblings = Vec::with_capacity(credits.len());
    for &(account, amount) in credits {
        let (proof, after) = after_balance(&mut paid, account, |balance| balance + amount);
        let emptied = after.account(account).is_none() && paid.account(account).is_some();
        siblings.push(if emptied { paid.account_deletion_sibling(account).unwrap_or_default() } else { Bytes::new() });
        tries.push(proof);
        paid = after;
    }
    let mut siblings = siblings.into_iter();
    w.sibling = siblings.next().unwrap_or_default();
    if credits.len() > 1 {
        tries.push(siblings.collect());
    }
    w.tries = tries;
    paid
}

/// A `TxEnd` step deleting `account`, the last link of the `destroyed` chain over `below`:
/// the link and the account's proof in `state`, which is left without it.
pub(crate) fn destroy(w: &mut Witness, state: &mut rollup_core::StateTrie, below: B256, account: Address) {
    w.words = vec![below, account.into_word()];
    w.tries = vec![state.account_proof(account, &[]).account_proof];
    if state.account(account).is_some() {
        w.sibling = state.account_deletion_sibling(account).unwrap_or_default();
        let mut diff = rollup_core::StateDiff::default();
        diff.accounts
            .insert(account, rollup_core::AccountDiff { info: None, storage_reset: true, storage: Default::default() });
        state.apply(&diff);
    }
}

/// The authorization list of `tx` (EIP-7702) in the witness's form: as signed. An authority
/// recovered beforehand has no signature left to prove on chain: refused.
pub(crate) fn authorizations(tx: &revm::context::TxEnv) -> Result<Vec<Authorization>, crate::ExecuteError> {
    tx.authorization_list
        .iter()
        .map(|entry| {
            let signed = entry
                .as_ref()
                .left()
                .ok_or(crate::ExecuteError::Unsupported("an authorization without its signature"))?;
            Ok(Authorization {
                chainId: signed.chain_id,
                account: signed.address,
                nonce: signed.nonce,
                yParity: signed.y_parity(),
                r: signed.r(),
                s: signed.s(),
            })
        })
        .collect()
}

/// The access list in the witness's form.
pub(crate) fn access_list(list: &alloy::eips::eip2930::AccessList) -> Vec<Access> {
    list.iter().map(|item| Access { account: item.address, keys: item.storage_keys.clone() }).collect()
}
