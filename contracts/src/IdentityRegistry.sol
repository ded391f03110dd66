// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/**
 * @title IdentityRegistry
 * @dev Verified investors (wallet -> country and expiry of the KYC check), shared by every share
 * token and deed of a platform. The platform's identity module mirrors its KYC decisions here
 * through the REGISTRAR_ROLE; {setIdentity} is an idempotent upsert so the mirror can replay.
 *
 * A wallet is verified while it has a country and `block.timestamp < expiresAt`.
 */
contract IdentityRegistry is AccessControl, IIdentityRegistry {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    struct Identity {
        uint16 country;
        uint64 expiresAt;
    }

    mapping(address wallet => Identity) private _identities;

    /// @dev The zero address cannot hold an identity.
    error IdentityRegistryInvalidWallet(address wallet);
    /// @dev Country 0 means "not registered"; register with an ISO 3166-1 numeric code (1-999).
    error IdentityRegistryInvalidCountry(uint16 country);
    /// @dev An identity must expire in the future when it is set.
    error IdentityRegistryInvalidExpiry(uint64 expiresAt);
    /// @dev `wallet` has no identity to remove.
    error IdentityRegistryNotRegistered(address wallet);
    /// @dev Batch arrays of different lengths.
    error IdentityRegistryLengthMismatch();

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    /// @dev Registers `wallet` or updates its identity.
    function setIdentity(address wallet, uint16 country, uint64 expiresAt) public onlyRole(REGISTRAR_ROLE) {
        if (wallet == address(0)) revert IdentityRegistryInvalidWallet(wallet);
        if (country == 0 || country > 999) revert IdentityRegistryInvalidCountry(country);
        if (expiresAt <= block.timestamp) revert IdentityRegistryInvalidExpiry(expiresAt);
        bool known = _identities[wallet].country != 0;
        _identities[wallet] = Identity(country, expiresAt);
        if (known) emit IdentityUpdated(wallet, country, expiresAt);
        else emit IdentityRegistered(wallet, country, expiresAt);
    }

    /// @dev {setIdentity} for many wallets (bounded by the caller's calldata and gas).
    function setIdentities(address[] calldata wallets, uint16[] calldata countries, uint64[] calldata expiries)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (wallets.length != countries.length || wallets.length != expiries.length) revert IdentityRegistryLengthMismatch();
        for (uint256 i = 0; i < wallets.length; ++i) {
            setIdentity(wallets[i], countries[i], expiries[i]);
        }
    }

    function removeIdentity(address wallet) external onlyRole(REGISTRAR_ROLE) {
        if (_identities[wallet].country == 0) revert IdentityRegistryNotRegistered(wallet);
        delete _identities[wallet];
        emit IdentityRemoved(wallet);
    }

    /// @inheritdoc IIdentityRegistry
    function identityOf(address wallet) external view returns (uint16 country, uint64 expiresAt) {
        Identity memory identity = _identities[wallet];
        return (identity.country, identity.expiresAt);
    }

    /// @inheritdoc IIdentityRegistry
    function isVerified(address wallet) external view returns (bool) {
        Identity memory identity = _identities[wallet];
        return identity.country != 0 && block.timestamp < identity.expiresAt;
    }
}
