// Checks the L2's fees with viem's OP Stack actions (`publicActionsL2`), as a wallet or dapp
// would use them: estimateL1Fee, estimateL1Gas, getL1BaseFee and estimateTotalFee are read
// before a transfer, then the transfer is sent and its receipt, the sender's balance and the
// fee vaults are compared with them. Prints one JSON object (the e2e test checks it); exits
// non-zero on error.
//
//   L2_RPC=http://127.0.0.1:9545 PRIVATE_KEY=0x... node e2e/viem/fees.mjs
//
// viem's L1 estimates serialize the request with stub values (nonce 1, gas 21000 for a
// transfer, max fee 5 gwei, tip 1 gwei). The L1 fee depends only on the unsigned transaction
// (docs/fees.md), so a transfer sent with those values pays exactly the estimate if its block
// has the L1 origin the estimate was read at. Each attempt funds a new account, moves it to
// nonce 1 and sends the transfer so; an attempt whose L1 origin moved on in between is
// repeated (at most five).

import { createPublicClient, createWalletClient, defineChain, http, parseEther, parseGwei } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { chainConfig, publicActionsL2 } from 'viem/op-stack';

const VAULTS = {
  sequencer: '0x4200000000000000000000000000000000000011',
  baseFee: '0x4200000000000000000000000000000000000019',
  l1Fee: '0x420000000000000000000000000000000000001A',
};

async function main() {
  const rpc = process.env.L2_RPC;
  const key = process.env.PRIVATE_KEY;
  if (!rpc || !key) throw new Error('set L2_RPC and PRIVATE_KEY');

  const probe = createPublicClient({ transport: http(rpc) });
  const chain = defineChain({
    ...chainConfig,
    id: await probe.getChainId(),
    name: 'rollup devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  const funder = privateKeyToAccount(key);
  const client = createPublicClient({ chain, transport: http(rpc), pollingInterval: 200 }).extend(publicActionsL2());
  const confirmed = async (hash) => {
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} failed`);
    return receipt;
  };
  const funding = createWalletClient({ account: funder, chain, transport: http(rpc) });

  let attempt;
  for (let tries = 1; ; tries++) {
    attempt = await transferAsEstimated(client, chain, rpc, funding, confirmed);
    if (attempt.receipt.l1GasPrice === attempt.estimate.l1BaseFee) break;
    if (tries === 5) throw new Error('the L1 origin moved during each of five attempts');
  }
  const { account, request, estimate, gasPrice, gasEstimate, receipt, hash } = attempt;
  const block = await client.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
  const after = await client.getBalance({ address: account.address, blockNumber: receipt.blockNumber });
  const before = await client.getBalance({ address: account.address, blockNumber: receipt.blockNumber - 1n });

  // What the vaults received in the transfer's block, and what its receipts say they should.
  const userTxs = block.transactions.filter((tx) => tx.type !== 'deposit');
  const user = await Promise.all(userTxs.map((tx) => client.getTransactionReceipt({ hash: tx.hash })));
  const expected = {
    sequencer: user.reduce((sum, r) => sum + r.gasUsed * (r.effectiveGasPrice - block.baseFeePerGas), 0n),
    baseFee: user.reduce((sum, r) => sum + r.gasUsed * block.baseFeePerGas, 0n),
    l1Fee: user.reduce((sum, r) => sum + r.l1Fee, 0n),
  };
  const received = {};
  for (const [name, address] of Object.entries(VAULTS)) {
    const [then, now] = await Promise.all([
      client.getBalance({ address, blockNumber: receipt.blockNumber - 1n }),
      client.getBalance({ address, blockNumber: receipt.blockNumber }),
    ]);
    received[name] = now - then;
  }

  const text = (value) => value.toString();
  console.log(
    JSON.stringify({
      estimate: Object.fromEntries(Object.entries(estimate).map(([k, v]) => [k, text(v)])),
      gasPrice: text(gasPrice),
      gasEstimate: text(gasEstimate),
      receipt: {
        hash,
        l1Fee: text(receipt.l1Fee),
        l1GasUsed: text(receipt.l1GasUsed),
        l1GasPrice: text(receipt.l1GasPrice),
        gasUsed: text(receipt.gasUsed),
        effectiveGasPrice: text(receipt.effectiveGasPrice),
      },
      value: text(request.value),
      balanceBefore: text(before),
      balanceAfter: text(after),
      vaultsReceived: Object.fromEntries(Object.entries(received).map(([k, v]) => [k, text(v)])),
      vaultsExpected: Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, text(v)])),
    }),
  );
}

// Funds a new account, moves it to nonce 1, reads viem's estimates for a transfer from it,
// then sends that transfer with viem's stub nonce, gas and fees.
async function transferAsEstimated(client, chain, rpc, funding, confirmed) {
  const account = privateKeyToAccount(generatePrivateKey());
  const wallet = createWalletClient({ account, chain, transport: http(rpc) });
  await confirmed(await funding.sendTransaction({ to: account.address, value: parseEther('0.01') }));
  await confirmed(await wallet.sendTransaction({ to: account.address, value: 0n }));

  const request = { account, to: '0x00000000000000000000000000000000000f3e5a', value: parseEther('0.001'), chain };
  const [l1Fee, l1Gas, l1BaseFee, totalFee, gasPrice, gasEstimate] = await Promise.all([
    client.estimateL1Fee(request),
    client.estimateL1Gas(request),
    client.getL1BaseFee(),
    client.estimateTotalFee(request),
    client.getGasPrice(),
    client.estimateGas(request),
  ]);
  const hash = await wallet.sendTransaction({
    ...request,
    nonce: 1,
    gas: 21_000n,
    maxFeePerGas: parseGwei('5'),
    maxPriorityFeePerGas: parseGwei('1'),
  });
  const receipt = await confirmed(hash);
  return { account, request, estimate: { l1Fee, l1Gas, l1BaseFee, totalFee }, gasPrice, gasEstimate, receipt, hash };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
