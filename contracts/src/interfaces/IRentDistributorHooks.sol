// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev What a share token tells its rent distributor. Every path that changes a balance (transfer,
 * transferFrom, forced transfer, mint, burn) calls {sharesMoved}; wallet recovery calls
 * {walletRecovered} instead, and changing whether an account is excluded from rent (a contract
 * holder such as an offering) calls {exclusionChanged}. Only the share token may call these.
 */
interface IRentDistributorHooks {
    /// @dev `amount` shares moved from `from` to `to` (address(0) for a mint or a burn).
    function sharesMoved(address from, address to, uint256 amount, bool fromExcluded, bool toExcluded) external;

    /// @dev An agent moved all of `lostWallet`'s shares to `newWallet`, which held none.
    function walletRecovered(address lostWallet, address newWallet) external;

    /// @dev `account`, holding `balance` shares, is now excluded (or no longer excluded) from rent.
    function exclusionChanged(address account, uint256 balance, bool excluded) external;

    /// @dev The share token this distributor serves.
    function shares() external view returns (address);
}
