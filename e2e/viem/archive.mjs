// Reads old state with viem as a dapp or indexer would: an ERC-20 balance with
// `readContract({ blockNumber })` at an old and a newer block (and at the head), and
// `getProof` of the holder's balance slot at the old block. Prints one JSON object with what
// it read, the proof in the JSON-RPC's own shape (quantities as hex) so that the caller can
// verify it against the block's state root; exits non-zero on error.
//
//   L2_RPC=http://127.0.0.1:9545 TOKEN=0x... HOLDER=0x... OLD_BLOCK=3 NEW_BLOCK=5 \
//     node e2e/viem/archive.mjs
//
// The token is the test ERC-20 (contracts/test/fixtures/TestERC20.sol), whose `balanceOf`
// mapping is storage slot 1.

import { createPublicClient, encodeAbiParameters, http, keccak256, parseAbi, toHex } from 'viem';

const ABI = parseAbi(['function balanceOf(address owner) view returns (uint256)']);
const BALANCES_SLOT = 1n;

async function main() {
  const { L2_RPC: rpc, TOKEN: token, HOLDER: holder, OLD_BLOCK: oldBlock, NEW_BLOCK: newBlock } = process.env;
  if (!rpc || !token || !holder || !oldBlock || !newBlock) {
    throw new Error('set L2_RPC, TOKEN, HOLDER, OLD_BLOCK and NEW_BLOCK');
  }
  const client = createPublicClient({ transport: http(rpc) });
  const balanceAt = async (blockNumber) =>
    client.readContract({ address: token, abi: ABI, functionName: 'balanceOf', args: [holder], blockNumber });

  // balanceOf[holder] lives at keccak256(holder . slot), as solc lays out mappings.
  const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [holder, BALANCES_SLOT]));
  const proof = await client.getProof({ address: token, storageKeys: [slot], blockNumber: BigInt(oldBlock) });

  const result = {
    chainId: await client.getChainId(),
    oldBalance: (await balanceAt(BigInt(oldBlock))).toString(),
    newBalance: (await balanceAt(BigInt(newBlock))).toString(),
    latestBalance: (await balanceAt(undefined)).toString(),
    slot,
    proof: {
      address: proof.address,
      balance: toHex(proof.balance),
      nonce: toHex(proof.nonce),
      codeHash: proof.codeHash,
      storageHash: proof.storageHash,
      accountProof: proof.accountProof,
      storageProof: proof.storageProof.map(({ key, value, proof: nodes }) => ({ key, value: toHex(value), proof: nodes })),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
