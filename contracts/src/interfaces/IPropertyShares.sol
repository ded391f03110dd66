// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @dev The compliance surface of a property share token that other contracts (offering, market,
 * rent distributor) and off-chain services use. {TransferRule} codes are stable: the API maps them
 * to problem+json reasons.
 */
interface IPropertyShares is IERC20 {
    enum TransferRule {
        Allowed,
        Paused,
        InsufficientBalance,
        SenderFrozen,
        FrozenAmount,
        LockedUp,
        ReceiverFrozen,
        ReceiverNotVerified,
        IdentityExpired,
        CountryNotAllowed,
        MaxBalanceExceeded,
        MaxHoldersReached
    }

    /// @dev Whether a `transfer`/`transferFrom` of `amount` from `from` to `to` would pass, and if
    /// not the first rule it breaks (rules are evaluated in the order of {TransferRule}).
    function canTransfer(address from, address to, uint256 amount) external view returns (bool allowed, TransferRule rule);

    /// @dev Same check as {canTransfer}, reverting with the custom error of the broken rule.
    function checkTransfer(address from, address to, uint256 amount) external view;

    /// @dev Whether `account` is frozen (it can neither send, receive nor claim rent).
    function isFrozen(address account) external view returns (bool);
}
