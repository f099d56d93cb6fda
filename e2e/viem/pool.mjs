// Drives the devnet's L2 with viem as a dapp would: deploys the constant-product pool fixture,
// credits and adds liquidity, swaps, then reads the swap's receipt and logs. Prints one JSON
// object with what it saw (the e2e test checks it against the chain); exits non-zero on error.
//
//   L2_RPC=http://127.0.0.1:9545 PRIVATE_KEY=0x... node e2e/viem/pool.mjs
//
// Amounts are fixed: mint 1,000,000 of each asset, add 500,000 of each, swap 10,000 of asset 0.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, defineChain, http, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const require = createRequire(import.meta.url);
const { compileContract } = require('../../tools/compile.js');

const MINTED = 1_000_000n;
const LIQUIDITY = 500_000n;
const SWAP_IN = 10_000n;

async function main() {
  const rpc = process.env.L2_RPC;
  const key = process.env.PRIVATE_KEY;
  if (!rpc || !key) throw new Error('set L2_RPC and PRIVATE_KEY');

  const source = fileURLToPath(new URL('../../contracts/test/fixtures/ConstantProductPool.sol', import.meta.url));
  const { abi, bytecode } = compileContract(source, 'ConstantProductPool', { quiet: true });

  const probe = createPublicClient({ transport: http(rpc) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: 'rollup devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  const account = privateKeyToAccount(key);
  const publicClient = createPublicClient({ chain, transport: http(rpc), pollingInterval: 200 });
  const wallet = createWalletClient({ account, chain, transport: http(rpc) });
  const confirmed = async (hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };

  const deployed = await confirmed(await wallet.deployContract({ abi, bytecode }));
  const pool = deployed.contractAddress;
  const write = async (functionName, args) => confirmed(await wallet.writeContract({ address: pool, abi, functionName, args }));
  await write('mint', [MINTED, MINTED]);
  await write('addLiquidity', [LIQUIDITY, LIQUIDITY]);
  const quoted = await publicClient.simulateContract({ account, address: pool, abi, functionName: 'swap', args: [SWAP_IN, true, 0n] });
  const swap = await write('swap', [SWAP_IN, true, 0n]);

  const swapLogs = parseEventLogs({ abi, eventName: 'Swap', logs: swap.logs });
  const queried = await publicClient.getContractEvents({ address: pool, abi, eventName: 'Swap', fromBlock: 0n, toBlock: 'latest' });
  const read = (functionName, args = []) => publicClient.readContract({ address: pool, abi, functionName, args });

  const result = {
    chainId,
    account: account.address,
    pool,
    deployTx: deployed.transactionHash,
    swapTx: swap.transactionHash,
    swapBlock: Number(swap.blockNumber),
    swapBlockHash: swap.blockHash,
    swapStatus: swap.status,
    quotedOut: quoted.result.toString(),
    receiptLogs: swapLogs.map((log) => ({
      trader: log.args.trader,
      zeroForOne: log.args.zeroForOne,
      amountIn: log.args.amountIn.toString(),
      amountOut: log.args.amountOut.toString(),
      logIndex: log.logIndex,
    })),
    queriedLogs: queried.map((log) => ({ transactionHash: log.transactionHash, amountOut: log.args.amountOut.toString() })),
    reserve0: (await read('reserve0')).toString(),
    reserve1: (await read('reserve1')).toString(),
    balance1: (await read('balance1', [account.address])).toString(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
