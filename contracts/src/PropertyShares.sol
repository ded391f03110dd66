// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";
import {IPropertyShares} from "./interfaces/IPropertyShares.sol";
import {IRentDistributorHooks} from "./interfaces/IRentDistributorHooks.sol";

/**
 * @title PropertyShares
 * @dev ERC-20 shares of one {PropertyDeed} with ERC-3643 (T-REX) semantics, the identity registry
 * and the compliance rules built in rather than spread over modules, which keeps a compliant
 * transfer within two storage slots of configuration and one registry call.
 *
 * Balance paths and the rules they obey (docs/tokenization.md has the full matrix):
 * - `transfer`/`transferFrom` (also offering deliveries and market fills): every rule.
 *   Lock-up binds investors only: platform contracts flagged as system accounts deliver during it.
 * - `mint` (agent): the receiver rules; not stopped by pause (agents repair during a pause).
 * - `forcedTransfer` (agent): the receiver rules; sender freezes, pause and lock-up are
 *   overridden, and frozen shares are unfrozen as far as needed.
 * - `burn` (agent): only the balance; frozen shares are unfrozen as far as needed.
 * - `recoveryAddress` (agent): moves a lost wallet's shares, freezes and unclaimed rent to a new
 *   verified wallet of the same investor; holder count and balance caps are unaffected by design.
 * Every path reports to the rent distributor, so distributions never drift.
 *
 * System accounts (offering and market contracts) need no identity, do not count as holders and
 * are excluded from rent.
 */
contract PropertyShares is ERC20, AccessControl, Pausable, IPropertyShares, IERC721Receiver {
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");

    enum Path {
        Transfer,
        ForcedTransfer,
        Recovery,
        Mint,
        Burn
    }

    struct AccountState {
        bool frozen;
        bool system;
        uint96 frozenAmount;
    }

    // A compliant transfer reads two configuration slots. Slot 1 (shared with Pausable's `_paused`):
    uint24 private _holderCount;
    uint24 private _maxHolders; // 0: no limit
    uint40 private _lockUpUntil;
    IRentDistributorHooks private _distributor;
    // Slot 2:
    IIdentityRegistry private _identityRegistry;
    uint88 private _maxBalance; // 0: no limit
    bool private _countryRestricted;

    address public immutable deed;
    uint256 public immutable deedId;

    mapping(address account => AccountState) private _accounts;
    mapping(uint256 word => uint256 bits) private _allowedCountries;

    event AddressFrozen(address indexed account, bool indexed frozen, address indexed agent);
    event TokensFrozen(address indexed account, uint256 amount);
    event TokensUnfrozen(address indexed account, uint256 amount);
    event ForcedTransferExecuted(address indexed from, address indexed to, uint256 amount, address indexed agent);
    event WalletRecovered(address indexed lostWallet, address indexed newWallet, uint256 amount, address indexed agent);
    event SystemAccountChanged(address indexed account, bool system);
    event DistributorConnected(address indexed distributor);
    event IdentityRegistryChanged(address indexed previousRegistry, address indexed newRegistry);
    event MaxHoldersChanged(uint256 maxHolders);
    event MaxBalanceChanged(uint256 maxBalance);
    event LockUpChanged(uint64 until);
    event CountryRestrictionChanged(bool restricted);
    event CountryAllowanceChanged(uint16 indexed country, bool allowed);

    // Compliance failures: each names the rule it enforces.
    error ComplianceSenderFrozen(address sender);
    error ComplianceFrozenAmount(address sender, uint256 unfrozenBalance, uint256 needed);
    error ComplianceLockedUp(address sender, uint64 until);
    error ComplianceReceiverFrozen(address receiver);
    error ComplianceReceiverNotVerified(address receiver);
    error ComplianceIdentityExpired(address receiver, uint64 expiredAt);
    error ComplianceCountryNotAllowed(address receiver, uint16 country);
    error ComplianceMaxBalanceExceeded(address receiver, uint256 balanceAfter, uint256 maxBalance);
    error ComplianceMaxHoldersReached(uint256 maxHolders);

    error SharesSupplyCapExceeded(uint256 totalSupply);
    error SharesInvalidRegistry(address registry);
    error SharesInvalidDistributor(address distributor);
    error SharesDistributorAlreadyConnected(address distributor);
    error SharesDistributorAfterIssuance(uint256 totalSupply);
    error SharesInvalidRecovery(address lostWallet, address newWallet);
    error SharesRecoveryTargetNotEmpty(address newWallet, uint256 balance);
    error SharesSystemAccount(address account);
    error SharesFreezeExceedsBalance(address account, uint256 balance, uint256 frozenAfter);
    error SharesUnfreezeExceedsFrozen(address account, uint256 frozen, uint256 amount);
    error SharesUnexpectedToken(address token, uint256 tokenId);
    error SharesInvalidCountry(uint16 country);

    constructor(
        string memory name_,
        string memory symbol_,
        IIdentityRegistry registry,
        address deed_,
        uint256 deedId_,
        address admin
    ) ERC20(name_, symbol_) {
        if (address(registry) == address(0)) revert SharesInvalidRegistry(address(registry));
        _identityRegistry = registry;
        deed = deed_;
        deedId = deedId_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(AGENT_ROLE, admin);
    }

    // ---------------------------------------------------------------- compliance checks

    /// @inheritdoc IPropertyShares
    function canTransfer(address from, address to, uint256 amount) external view returns (bool allowed, TransferRule rule) {
        rule = _evaluate(from, to, amount, Path.Transfer);
        allowed = rule == TransferRule.Allowed;
    }

    /// @inheritdoc IPropertyShares
    function checkTransfer(address from, address to, uint256 amount) external view {
        TransferRule rule = _evaluate(from, to, amount, Path.Transfer);
        if (rule != TransferRule.Allowed) _revertFor(rule, from, to, amount);
    }

    /// @dev The first rule that moving `amount` from `from` to `to` along `path` breaks.
    function _evaluate(address from, address to, uint256 amount, Path path) internal view returns (TransferRule) {
        AccountState memory sender = _accounts[from];
        AccountState memory receiver = _accounts[to];
        bool investorTransfer = path == Path.Transfer;
        if (investorTransfer && paused()) return TransferRule.Paused;
        if (from != address(0)) {
            uint256 balance = balanceOf(from);
            if (amount > balance) return TransferRule.InsufficientBalance;
            if (investorTransfer) {
                if (sender.frozen) return TransferRule.SenderFrozen;
                if (amount > balance - sender.frozenAmount) return TransferRule.FrozenAmount;
                if (!sender.system && block.timestamp < _lockUpUntil) return TransferRule.LockedUp;
            }
        }
        if (to == address(0)) return TransferRule.Allowed;
        if (receiver.frozen) return TransferRule.ReceiverFrozen;
        if (receiver.system || from == to) return TransferRule.Allowed;
        (uint16 country, uint64 expiresAt) = _identityRegistry.identityOf(to);
        if (country == 0) return TransferRule.ReceiverNotVerified;
        if (block.timestamp >= expiresAt) return TransferRule.IdentityExpired;
        if (_countryRestricted && !isCountryAllowed(country)) return TransferRule.CountryNotAllowed;
        if (path == Path.Recovery) return TransferRule.Allowed; // same investor, same holdings
        uint256 receiverBalance = balanceOf(to);
        uint256 maxBalance = _maxBalance;
        if (maxBalance != 0 && receiverBalance + amount > maxBalance) return TransferRule.MaxBalanceExceeded;
        uint256 maxHolders = _maxHolders;
        if (maxHolders != 0 && receiverBalance == 0 && amount != 0 && _holderCount >= maxHolders) {
            // A sender that leaves makes room for the receiver it pays in full.
            bool senderLeaves = from != address(0) && !sender.system && balanceOf(from) == amount;
            if (!senderLeaves) return TransferRule.MaxHoldersReached;
        }
        return TransferRule.Allowed;
    }

    function _revertFor(TransferRule rule, address from, address to, uint256 amount) internal view {
        if (rule == TransferRule.Paused) revert EnforcedPause();
        if (rule == TransferRule.InsufficientBalance) revert ERC20InsufficientBalance(from, balanceOf(from), amount);
        if (rule == TransferRule.SenderFrozen) revert ComplianceSenderFrozen(from);
        if (rule == TransferRule.FrozenAmount) {
            revert ComplianceFrozenAmount(from, balanceOf(from) - _accounts[from].frozenAmount, amount);
        }
        if (rule == TransferRule.LockedUp) revert ComplianceLockedUp(from, _lockUpUntil);
        if (rule == TransferRule.ReceiverFrozen) revert ComplianceReceiverFrozen(to);
        if (rule == TransferRule.ReceiverNotVerified) revert ComplianceReceiverNotVerified(to);
        (uint16 country, uint64 expiresAt) = _identityRegistry.identityOf(to);
        if (rule == TransferRule.IdentityExpired) revert ComplianceIdentityExpired(to, expiresAt);
        if (rule == TransferRule.CountryNotAllowed) revert ComplianceCountryNotAllowed(to, country);
        if (rule == TransferRule.MaxBalanceExceeded) {
            revert ComplianceMaxBalanceExceeded(to, balanceOf(to) + amount, _maxBalance);
        }
        revert ComplianceMaxHoldersReached(_maxHolders);
    }

    // ---------------------------------------------------------------- balance paths

    /// @dev `transfer` and `transferFrom` land here; agent paths call {_move} with their own path.
    function _update(address from, address to, uint256 amount) internal override {
        _move(from, to, amount, Path.Transfer);
    }

    function _move(address from, address to, uint256 amount, Path path) private {
        TransferRule rule = _evaluate(from, to, amount, path);
        if (rule != TransferRule.Allowed) _revertFor(rule, from, to, amount);
        if (path == Path.ForcedTransfer || path == Path.Burn) _unfreezeShortfall(from, amount);
        _applyMove(from, to, amount);
    }

    /// @dev Moves the balance and keeps holder count and rent bookkeeping in step with it.
    function _applyMove(address from, address to, uint256 amount) private {
        if (from == to) {
            super._update(from, to, amount); // a self-transfer changes nothing but emits Transfer
            return;
        }
        bool fromSystem = _accounts[from].system;
        bool toSystem = _accounts[to].system;
        uint256 receiverBefore = to == address(0) ? 0 : balanceOf(to);
        super._update(from, to, amount);
        if (amount == 0) return;
        if (from == address(0) && totalSupply() > type(uint96).max) revert SharesSupplyCapExceeded(totalSupply());
        uint256 holders = _holderCount;
        if (from != address(0) && !fromSystem && balanceOf(from) == 0) holders -= 1;
        if (to != address(0) && !toSystem && receiverBefore == 0) holders += 1;
        if (holders != _holderCount) _holderCount = uint24(holders);
        IRentDistributorHooks distributor = _distributor;
        if (address(distributor) != address(0)) distributor.sharesMoved(from, to, amount, fromSystem, toSystem);
    }

    function _unfreezeShortfall(address from, uint256 amount) private {
        uint256 frozen = _accounts[from].frozenAmount;
        if (frozen == 0) return;
        uint256 free = balanceOf(from) - frozen;
        if (amount <= free) return;
        uint256 released = amount - free;
        _accounts[from].frozenAmount = uint96(frozen - released);
        emit TokensUnfrozen(from, released);
    }

    // ---------------------------------------------------------------- agent actions

    function mint(address to, uint256 amount) external onlyRole(AGENT_ROLE) {
        if (to == address(0)) revert ERC20InvalidReceiver(to);
        _move(address(0), to, amount, Path.Mint);
    }

    function burn(address from, uint256 amount) external onlyRole(AGENT_ROLE) {
        if (from == address(0)) revert ERC20InvalidSender(from);
        _move(from, address(0), amount, Path.Burn);
    }

    function forcedTransfer(address from, address to, uint256 amount) external onlyRole(AGENT_ROLE) returns (bool) {
        if (from == address(0)) revert ERC20InvalidSender(from);
        if (to == address(0)) revert ERC20InvalidReceiver(to);
        _move(from, to, amount, Path.ForcedTransfer);
        emit ForcedTransferExecuted(from, to, amount, _msgSender());
        return true;
    }

    /**
     * @dev Moves everything `lostWallet` holds (shares, frozen status and amounts, unclaimed rent)
     * to `newWallet`, an empty wallet the identity registry verifies, and freezes `lostWallet`.
     */
    function recoveryAddress(address lostWallet, address newWallet) external onlyRole(AGENT_ROLE) returns (bool) {
        if (lostWallet == address(0) || newWallet == address(0) || lostWallet == newWallet) {
            revert SharesInvalidRecovery(lostWallet, newWallet);
        }
        AccountState memory lost = _accounts[lostWallet];
        if (lost.system) revert SharesSystemAccount(lostWallet);
        if (_accounts[newWallet].system) revert SharesSystemAccount(newWallet);
        uint256 targetBalance = balanceOf(newWallet);
        if (targetBalance != 0) revert SharesRecoveryTargetNotEmpty(newWallet, targetBalance);
        uint256 amount = balanceOf(lostWallet);
        TransferRule rule = _evaluate(lostWallet, newWallet, amount, Path.Recovery);
        if (rule != TransferRule.Allowed) _revertFor(rule, lostWallet, newWallet, amount);

        _accounts[newWallet] = AccountState({frozen: lost.frozen, system: false, frozenAmount: lost.frozenAmount});
        _accounts[lostWallet] = AccountState({frozen: true, system: false, frozenAmount: 0});
        super._update(lostWallet, newWallet, amount); // holder count is unchanged: one leaves, one arrives
        IRentDistributorHooks distributor = _distributor;
        if (address(distributor) != address(0)) distributor.walletRecovered(lostWallet, newWallet);

        if (lost.frozenAmount != 0) {
            emit TokensUnfrozen(lostWallet, lost.frozenAmount);
            emit TokensFrozen(newWallet, lost.frozenAmount);
        }
        if (lost.frozen) emit AddressFrozen(newWallet, true, _msgSender());
        else emit AddressFrozen(lostWallet, true, _msgSender());
        emit WalletRecovered(lostWallet, newWallet, amount, _msgSender());
        return true;
    }

    function setAddressFrozen(address account, bool frozen) external onlyRole(AGENT_ROLE) {
        _accounts[account].frozen = frozen;
        emit AddressFrozen(account, frozen, _msgSender());
    }

    function freezePartialTokens(address account, uint256 amount) external onlyRole(AGENT_ROLE) {
        uint256 balance = balanceOf(account);
        uint256 frozenAfter = _accounts[account].frozenAmount + amount;
        if (frozenAfter > balance) revert SharesFreezeExceedsBalance(account, balance, frozenAfter);
        _accounts[account].frozenAmount = uint96(frozenAfter);
        emit TokensFrozen(account, amount);
    }

    function unfreezePartialTokens(address account, uint256 amount) external onlyRole(AGENT_ROLE) {
        uint256 frozen = _accounts[account].frozenAmount;
        if (amount > frozen) revert SharesUnfreezeExceedsFrozen(account, frozen, amount);
        _accounts[account].frozenAmount = uint96(frozen - amount);
        emit TokensUnfrozen(account, amount);
    }

    function pause() external onlyRole(AGENT_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(AGENT_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- administration

    /**
     * @dev Flags a platform contract (offering, market) that holds shares in custody: it needs no
     * identity, does not count as a holder, is not locked up as a sender, and earns no rent.
     */
    function setSystemAccount(address account, bool system) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AccountState storage state = _accounts[account];
        if (state.system == system) return;
        state.system = system;
        uint256 balance = balanceOf(account);
        if (balance != 0) {
            _holderCount = system ? _holderCount - 1 : _holderCount + 1;
            IRentDistributorHooks distributor = _distributor;
            if (address(distributor) != address(0)) distributor.exclusionChanged(account, balance, system);
        }
        emit SystemAccountChanged(account, system);
    }

    /// @dev Connects the rent distributor, once and before any share exists (its books start empty).
    function connectDistributor(IRentDistributorHooks distributor) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(_distributor) != address(0)) revert SharesDistributorAlreadyConnected(address(_distributor));
        if (totalSupply() != 0) revert SharesDistributorAfterIssuance(totalSupply());
        if (address(distributor) == address(0) || distributor.shares() != address(this)) {
            revert SharesInvalidDistributor(address(distributor));
        }
        _distributor = distributor;
        emit DistributorConnected(address(distributor));
    }

    function setIdentityRegistry(IIdentityRegistry registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(registry) == address(0)) revert SharesInvalidRegistry(address(registry));
        emit IdentityRegistryChanged(address(_identityRegistry), address(registry));
        _identityRegistry = registry;
    }

    function setMaxHolders(uint256 maxHolders_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _maxHolders = SafeCast.toUint24(maxHolders_);
        emit MaxHoldersChanged(maxHolders_);
    }

    function setMaxBalance(uint256 maxBalance_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _maxBalance = SafeCast.toUint88(maxBalance_);
        emit MaxBalanceChanged(maxBalance_);
    }

    function setLockUpUntil(uint64 until) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _lockUpUntil = SafeCast.toUint40(until);
        emit LockUpChanged(until);
    }

    /// @dev While restricted, only receivers from allowed countries pass; unrestricted, any country.
    function setCountryRestriction(bool restricted) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _countryRestricted = restricted;
        emit CountryRestrictionChanged(restricted);
    }

    function setCountriesAllowed(uint16[] calldata countries, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        for (uint256 i = 0; i < countries.length; ++i) {
            uint16 country = countries[i];
            if (country == 0 || country > 999) revert SharesInvalidCountry(country);
            uint256 bit = uint256(1) << (country & 0xff);
            if (allowed) _allowedCountries[country >> 8] |= bit;
            else _allowedCountries[country >> 8] &= ~bit;
            emit CountryAllowanceChanged(country, allowed);
        }
    }

    // ---------------------------------------------------------------- views

    function isCountryAllowed(uint16 country) public view returns (bool) {
        return _allowedCountries[country >> 8] & (uint256(1) << (country & 0xff)) != 0;
    }

    /// @inheritdoc IPropertyShares
    function isFrozen(address account) external view returns (bool) {
        return _accounts[account].frozen;
    }

    function getFrozenTokens(address account) external view returns (uint256) {
        return _accounts[account].frozenAmount;
    }

    function isSystemAccount(address account) external view returns (bool) {
        return _accounts[account].system;
    }

    function holderCount() external view returns (uint256) {
        return _holderCount;
    }

    /// @dev The compliance configuration in one call (for the API and the indexer).
    function complianceSettings()
        external
        view
        returns (uint256 maxHolders, uint256 maxBalance, uint64 lockUpUntil, bool countryRestricted)
    {
        return (_maxHolders, _maxBalance, _lockUpUntil, _countryRestricted);
    }

    function identityRegistry() external view returns (IIdentityRegistry) {
        return _identityRegistry;
    }

    function distributor() external view returns (address) {
        return address(_distributor);
    }

    /// @dev Accepts only its own deed, so the registrar may also use `safeTransferFrom`.
    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external view returns (bytes4) {
        if (msg.sender != deed || tokenId != deedId) revert SharesUnexpectedToken(msg.sender, tokenId);
        return IERC721Receiver.onERC721Received.selector;
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IPropertyShares).interfaceId || super.supportsInterface(interfaceId);
    }
}
