//! The steps of a frame that runs a precompile (`PrecompileSteps.sol`, docs/dispute/stepper.md,
//! "Precompiles"): `FrameSetup` leaves it at a kind-7 micro-step; its first step fails it when
//! the input's length does, else the input bytes the precompile reads are hashed out of the
//! calldata window a chunk a step, and the last step carries them whole and ends the frame
//! with revm's outcome.

use super::{
    Skip, Step, Tracer,
    frame::{FrameMirror, Window},
    witness,
};
use crate::{
    BufferTree,
    commitment::{Machine, Micro, Outcome, Phase, World},
    sponge::Sponge,
};
use alloy_primitives::{Address, B256, U256};
use revm::precompile::{bls12_381_const as bls, bls12_381_utils::msm_required_gas};
use std::ops::ControlFlow;

/// The micro-step kind of a precompile's frame.
const PRECOMPILE_MICRO: u8 = 7;
/// Input bytes hashed per step (`PrecompileSteps.CHUNK`, as KECCAK256's).
const CHUNK: usize = super::HASH_CHUNK;
/// The most input bytes a step takes whole (`PrecompileSteps.MAX_INPUT`).
const MAX_INPUT: usize = 1 << 18;
/// MODEXP reads at most its header and three operands of EIP-7823's 1,024 bytes.
const MODEXP_INPUT: usize = 96 + 3 * 1024;
/// IDENTITY, whose return data is its calldata's window.
const IDENTITY: u16 = 0x04;

/// A frame that runs a precompile: which one, and the world after its `FrameSetup` (the value
/// moved).
#[derive(Clone, Debug)]
pub(crate) struct Precompiled {
    pub(crate) address: Address,
    pub(crate) after_setup: World,
}

/// The code hash of a frame that runs the precompile `p` (`FrameOps.precompileCode`): its
/// address.
pub(crate) fn code_hash(p: Address) -> B256 {
    p.into_word()
}

/// The precompile's number: its address's last two bytes (the rest are zero).
fn number(p: Address) -> u16 {
    u16::from_be_bytes([p[18], p[19]])
}

/// What the input's `length` alone says (`PrecompileSteps._plan`): how many of its first bytes
/// the precompile reads (`None` when the length fails it), and the least it costs.
fn plan(p: Address, length: usize) -> (Option<usize>, u64) {
    let words = length.div_ceil(32) as u64;
    let exactly = |size: usize| (length == size).then_some(size);
    let pairs = |size: usize| (length != 0 && length.is_multiple_of(size)).then_some(length);
    match number(p) {
        0x01 => (Some(length.min(128)), 3000),
        0x02 => (Some(length), 60 + 12 * words),
        0x03 => (Some(length), 600 + 120 * words),
        // IDENTITY reads nothing: its return data is its calldata's window.
        0x04 => (Some(0), 15 + 3 * words),
        0x05 => (Some(length.min(MODEXP_INPUT)), 500),
        0x06 => (Some(length.min(128)), 150),
        0x07 => (Some(length.min(96)), 6000),
        0x08 => (length.is_multiple_of(192).then_some(length), 45_000 + 34_000 * (length / 192) as u64),
        0x09 => (exactly(213), 0),
        0x0a => (exactly(192), 50_000),
        0x0b => (exactly(256), 375),
        0x0c => (pairs(160), msm_required_gas(length / 160, &bls::DISCOUNT_TABLE_G1_MSM, bls::G1_MSM_BASE_GAS_FEE)),
        0x0d => (exactly(512), 600),
        0x0e => (pairs(288), msm_required_gas(length / 288, &bls::DISCOUNT_TABLE_G2_MSM, bls::G2_MSM_BASE_GAS_FEE)),
        0x0f => (pairs(384), bls::PAIRING_OFFSET_BASE + bls::PAIRING_MULTIPLIER_BASE * (length / 384) as u64),
        0x10 => (exactly(64), 5500),
        0x11 => (exactly(128), 23_800),
        // P256VERIFY: another length than 160 is an invalid signature, not a failure.
        _ => (Some(if length == 160 { 160 } else { 0 }), 6900),
    }
}

/// What a precompile's frame returns: IDENTITY its calldata's window, another its `output`
/// (nothing when it failed).
fn returned(frame: &FrameMirror, p: Address, status: u8, output: &[u8]) -> Window {
    match status {
        Outcome::SUCCEEDED if number(p) == IDENTITY => {
            Window::new(&frame.calldata.tree, frame.calldata.offset, frame.calldata.len)
        }
        Outcome::SUCCEEDED => Window::of(output),
        _ => Window::of(&[]),
    }
}

impl<F: FnMut(Step) -> ControlFlow<()>> Tracer<'_, F> {
    /// What `frame` returns when it ends with `status`, revm's `output` for a precompile's.
    pub(super) fn returned_by(&self, frame: &FrameMirror, status: u8, output: &[u8]) -> Window {
        match &frame.precompile {
            Some(precompiled) => returned(frame, precompiled.address, status, output),
            None => self.returned(frame, status),
        }
    }

    /// Emits the steps that end `frame` at `end`: its precompile's, or the pending step.
    pub(super) fn end_frame(&mut self, frame: &FrameMirror, end: Machine) {
        match &frame.precompile {
            Some(precompiled) => self.precompile_steps(frame, precompiled, end),
            None => self.emit(end),
        }
    }

    /// Emits a precompile frame's steps: the pending `FrameSetup` (to the frame's first
    /// micro-step), then its own, the last leading to `end` (`Return` or `TxEnd`).
    fn precompile_steps(&mut self, mirror: &FrameMirror, precompiled: &Precompiled, end: Machine) {
        let Some(pending) = self.pending.take() else { return };
        let mut frame = pending.witness.frame.clone();
        (frame.codeHash, frame.codeRoot) = (code_hash(precompiled.address), BufferTree::empty_root());
        frame.checkpoint = mirror.checkpoint;
        let world = &precompiled.after_setup;
        let start = Micro { kind: PRECOMPILE_MICRO, ..Default::default() };
        let running = Machine {
            phase: Phase::Run,
            world: world.commitment(),
            frame: frame.commitment(),
            micro: start.commitment(),
            ..end.clone()
        };
        self.emit_step(pending.witness, None, running.clone());
        let mut witness = self.micro_witness(running.clone(), world, &frame, start, &Sponge::default());
        let p = precompiled.address;
        let (read, price) = plan(p, mirror.calldata.len);
        let read = read.filter(|_| U256::from(price) <= frame.gas && number(p) != IDENTITY);
        if !self.running {
            return;
        }
        let Some(read) = read else {
            // IDENTITY, or a length that fails the precompile: the first step ends the frame.
            self.emit_step(witness, None, end);
            return;
        };
        if read > MAX_INPUT {
            // SHA-256 or RIPEMD-160 over more than a step takes: not built yet.
            self.skip = Some(Skip::Precompile);
            self.running = false;
            return;
        }
        let window = &mirror.calldata;
        let (mut offset, mut left, mut sponge) = (window.offset, read, Sponge::default());
        while self.running {
            let n = left.min(CHUNK);
            witness::buffer_words(&mut witness, &window.tree, offset, n);
            if left <= CHUNK {
                witness.data = window.tree.bytes(window.offset, read).into();
                self.emit_step(witness, None, end);
                return;
            }
            let micro = Micro {
                c: U256::from(read),
                ..super::next_chunk(PRECOMPILE_MICRO, &mut sponge, &window.tree, &mut offset, &mut left)
            };
            let next = Machine { micro: micro.commitment(), ..running.clone() };
            self.emit_step(witness, None, next.clone());
            witness = self.micro_witness(next, world, &frame, micro, &sponge);
        }
    }
}
