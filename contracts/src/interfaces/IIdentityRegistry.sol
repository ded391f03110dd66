// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev The registry of verified investors that property shares and deeds consult (ERC-3643's
 * identity registry, reduced to what the compliance rules read: a country and an expiry).
 */
interface IIdentityRegistry {
    /// @dev `wallet` was registered (or re-registered after removal).
    event IdentityRegistered(address indexed wallet, uint16 country, uint64 expiresAt);
    /// @dev The country or expiry of an already registered `wallet` changed.
    event IdentityUpdated(address indexed wallet, uint16 country, uint64 expiresAt);
    /// @dev `wallet` is no longer registered.
    event IdentityRemoved(address indexed wallet);

    /**
     * @dev The ISO 3166-1 numeric country (0 when not registered) and the expiry (seconds since
     * the epoch) of `wallet`'s identity. One call, one storage slot: the compliance rules need both.
     */
    function identityOf(address wallet) external view returns (uint16 country, uint64 expiresAt);

    /// @dev Whether `wallet` is registered and its identity has not expired.
    function isVerified(address wallet) external view returns (bool);
}
