// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPropertyShares} from "./interfaces/IPropertyShares.sol";
import {IRentDistributorHooks} from "./interfaces/IRentDistributorHooks.sol";

/**
 * @title RentDistributor
 * @dev Shares rent paid in one ERC-20 stablecoin among the holders of one {PropertyShares} token,
 * pro rata, with the magnified-dividend bookkeeping of ERC-2222: a deposit costs the same for one
 * holder or ten thousand, and holders pull what they are owed.
 *
 * Maths (docs/tokenization.md, "Rent distribution"). M = 2^128. A deposit of `a` over eligible
 * supply E raises the magnified rent per share by floor(a*M/E); the remainder a*M - floor(a*M/E)*E
 * goes to dust. A holder's unclaimed rent, magnified, is `perShare * eligible + correction`;
 * whenever its eligible balance changes by `x`, its correction changes by `-perShare * x`, so it
 * only grows with deposits made while the shares were held; a claim of `c` lowers the correction
 * by c*M (no separate "withdrawn" slot: a claim writes one slot). Claimable = floor(unclaimed / M).
 *
 * Anti just-in-time capture (a record date): shares that arrive in an account (transfer, mint,
 * forced transfer, offering delivery, market fill) are "pending" until the next record boundary
 * (`block.timestamp / recordPeriod` changes) and earn nothing from deposits before it. Buying the
 * block before a deposit and selling after it therefore earns nothing. Outgoing shares leave
 * pending first. Wallet recovery keeps the investor's state as it was (same investor).
 *
 * Accounts the share token flags as system accounts (an offering's inventory, a custody contract)
 * are excluded: their shares are not in E, so rent is never stranded on a contract.
 */
contract RentDistributor is AccessControl, ReentrancyGuardTransient, IRentDistributorHooks {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    bytes32 public constant DEPOSITOR_ROLE = keccak256("DEPOSITOR_ROLE");
    uint256 public constant MAGNITUDE = 2 ** 128;

    IPropertyShares private immutable _shares;
    IERC20 public immutable stablecoin;
    /// @dev Seconds between record boundaries (1 day in production; 1 still defeats same-block capture).
    uint256 public immutable recordPeriod;
    /// @dev Deposits need at least this many eligible share units (one whole share), which keeps
    /// `perShare * balance` far from overflow even for 18-decimal stablecoins.
    uint256 public immutable minEligibleSupply;

    struct SupplyState {
        uint96 tracked; // shares of non-excluded accounts, pending included
        uint96 pending; // of those, pending in `pendingEpoch`
        uint32 pendingEpoch;
        uint24 depositCount;
    }

    struct HolderState {
        uint96 eligible;
        uint96 pending; // arrived in `pendingEpoch`, eligible from the next boundary
        uint32 pendingEpoch;
        uint24 depositsAtArrival; // deposits made before the last arrival
        bool initialized; // its correction slot holds a (biased) value
    }

    /// @dev Corrections are stored plus this bias, so a holder's slot is non-zero from its first
    /// arrival on and later writes cost 2,900 gas rather than 20,000 (in a transfer or a claim). A
    /// zero slot means a correction of 0.
    int256 private constant CORRECTION_BIAS = 2 ** 254;

    uint256 private _magnifiedPerShare;
    SupplyState private _supply;
    uint128 private _totalDeposited;
    uint128 private _totalClaimed;
    uint256 private _dustMagnified; // accounted, not yet swept
    uint256 private _totalSwept;
    mapping(address holder => HolderState) private _holders;
    /// @dev ERC-2222's correction, less every claim (times M): unclaimed = perShare * eligible + correction.
    mapping(address holder => int256) private _corrections;
    /// @dev 1 + the magnified rent per share after the last deposit of an epoch that had one.
    mapping(uint256 epoch => uint256) private _epochPerShare;
    /// @dev The magnified rent per share after the n-th deposit.
    mapping(uint256 depositNumber => uint256) private _perShareAfterDeposit;

    event RentDeposited(address indexed depositor, uint256 amount, uint256 eligibleSupply, uint256 magnifiedPerShareIncrease);
    event RentClaimed(address indexed holder, address indexed recipient, uint256 amount);
    event DustReleased(address indexed holder, uint256 magnifiedAmount);
    event DustSwept(address indexed recipient, uint256 dust, uint256 unaccounted);

    error RentDistributorUnauthorizedCaller(address caller);
    error RentDistributorInvalidConfiguration();
    error RentDistributorZeroDeposit();
    error RentDistributorEligibleSupplyTooLow(uint256 eligibleSupply, uint256 minimum);
    error RentDistributorNothingToClaim(address holder);
    error RentDistributorHolderFrozen(address holder);
    error RentDistributorHolderStillHolds(address holder, uint256 shares);
    error RentDistributorInvalidRecipient(address recipient);

    modifier onlyShares() {
        if (msg.sender != address(_shares)) revert RentDistributorUnauthorizedCaller(msg.sender);
        _;
    }

    constructor(IPropertyShares shares_, IERC20 stablecoin_, uint256 recordPeriod_, address admin) {
        if (address(shares_) == address(0) || address(stablecoin_) == address(0) || recordPeriod_ == 0) {
            revert RentDistributorInvalidConfiguration();
        }
        _shares = shares_;
        stablecoin = stablecoin_;
        recordPeriod = recordPeriod_;
        minEligibleSupply = 10 ** 18;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(DEPOSITOR_ROLE, admin);
    }

    // ---------------------------------------------------------------- rent in and out

    /// @dev Takes `amount` of the stablecoin from the caller and shares what arrived among eligible shares.
    function deposit(uint256 amount) external onlyRole(DEPOSITOR_ROLE) nonReentrant {
        if (amount == 0) revert RentDistributorZeroDeposit();
        uint256 epoch = currentEpoch();
        SupplyState memory supply = _supply;
        uint256 eligible = _eligibleSupply(supply, epoch);
        if (eligible < minEligibleSupply) revert RentDistributorEligibleSupplyTooLow(eligible, minEligibleSupply);
        // What arrived, not what was asked: a token with transfer fees must not overstate the pot.
        uint256 balanceBefore = stablecoin.balanceOf(address(this));
        stablecoin.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = stablecoin.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert RentDistributorZeroDeposit();

        uint256 magnified = received * MAGNITUDE;
        uint256 increase = magnified / eligible;
        uint256 perShare = _magnifiedPerShare + increase;
        _magnifiedPerShare = perShare;
        supply.depositCount += 1;
        _supply = supply;
        _perShareAfterDeposit[supply.depositCount] = perShare;
        _epochPerShare[epoch] = perShare + 1;
        _dustMagnified += magnified - increase * eligible;
        _totalDeposited = (_totalDeposited + received).toUint128();
        emit RentDeposited(msg.sender, received, eligible, increase);
    }

    /// @dev Pays the caller's claimable rent to the caller.
    function claim() external returns (uint256) {
        return _claim(msg.sender, msg.sender);
    }

    /// @dev Pays the caller's claimable rent to `recipient`.
    function claimTo(address recipient) external returns (uint256) {
        if (recipient == address(0)) revert RentDistributorInvalidRecipient(recipient);
        return _claim(msg.sender, recipient);
    }

    function _claim(address holder, address recipient) private nonReentrant returns (uint256 amount) {
        // A frozen wallet may be compromised: its rent waits for recovery to the investor's new wallet.
        if (_shares.isFrozen(holder)) revert RentDistributorHolderFrozen(holder);
        HolderState memory state = _holders[holder];
        int256 correction = _correctionOf(holder);
        if (_isMature(state, currentEpoch())) {
            (state, correction) = _matured(state, correction);
            _holders[holder] = state;
        }
        amount = _unclaimed(state.eligible, correction) / MAGNITUDE;
        if (amount == 0) revert RentDistributorNothingToClaim(holder);
        _setCorrection(holder, correction - (amount * MAGNITUDE).toInt256());
        _totalClaimed += amount.toUint128();
        emit RentClaimed(holder, recipient, amount);
        stablecoin.safeTransfer(recipient, amount);
    }

    /**
     * @dev Moves the sub-unit remainder of an account that holds no shares (a holder who sold out,
     * a lost wallet after recovery) into the accounted dust: no future deposit can reach it.
     */
    function releaseDust(address holder) external {
        HolderState memory state = _holders[holder];
        uint256 holding = uint256(state.eligible) + state.pending;
        if (holding != 0) revert RentDistributorHolderStillHolds(holder, holding);
        int256 correction = _correctionOf(holder);
        uint256 fraction = _unclaimed(0, correction) % MAGNITUDE;
        if (fraction == 0) return;
        _setCorrection(holder, correction - fraction.toInt256());
        _dustMagnified += fraction;
        emit DustReleased(holder, fraction);
    }

    /**
     * @dev Sends the whole units of accounted dust, plus any stablecoin that reached this contract
     * without a deposit, to `recipient`.
     */
    function sweepDust(address recipient) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (recipient == address(0)) revert RentDistributorInvalidRecipient(recipient);
        uint256 dust = _dustMagnified / MAGNITUDE;
        uint256 owed = uint256(_totalDeposited) - _totalClaimed - _totalSwept;
        uint256 balance = stablecoin.balanceOf(address(this));
        uint256 unaccounted = balance > owed ? balance - owed : 0;
        _dustMagnified -= dust * MAGNITUDE;
        _totalSwept += dust;
        emit DustSwept(recipient, dust, unaccounted);
        if (dust + unaccounted != 0) stablecoin.safeTransfer(recipient, dust + unaccounted);
    }

    // ---------------------------------------------------------------- hooks from the share token

    /// @inheritdoc IRentDistributorHooks
    function sharesMoved(address from, address to, uint256 amount, bool fromExcluded, bool toExcluded) external onlyShares {
        uint256 epoch = currentEpoch();
        SupplyState memory supply = _supply;
        if (from != address(0) && !fromExcluded) _leave(from, amount, epoch, supply);
        if (to != address(0) && !toExcluded) _arrive(to, amount, epoch, supply);
        _supply = supply;
    }

    /// @inheritdoc IRentDistributorHooks
    function exclusionChanged(address account, uint256 balance, bool excluded) external onlyShares {
        uint256 epoch = currentEpoch();
        SupplyState memory supply = _supply;
        if (excluded) _leave(account, balance, epoch, supply);
        else _arrive(account, balance, epoch, supply);
        _supply = supply;
    }

    /// @inheritdoc IRentDistributorHooks
    function walletRecovered(address lostWallet, address newWallet) external onlyShares {
        uint256 epoch = currentEpoch();
        HolderState memory lost = _holders[lostWallet];
        int256 lostCorrection = _correctionOf(lostWallet);
        if (_isMature(lost, epoch)) (lost, lostCorrection) = _matured(lost, lostCorrection);
        HolderState memory target = _holders[newWallet];
        int256 targetCorrection = _correctionOf(newWallet);
        if (_isMature(target, epoch)) (target, targetCorrection) = _matured(target, targetCorrection);
        // The new wallet held no shares (the token checks it), so it takes the lost wallet's holding
        // as it stands, pending shares still pending; unclaimed rent adds up.
        lost.eligible += target.eligible;
        lost.initialized = true;
        _holders[newWallet] = lost;
        _setCorrection(newWallet, targetCorrection + lostCorrection);
        delete _holders[lostWallet];
        delete _corrections[lostWallet];
    }

    function _leave(address holder, uint256 amount, uint256 epoch, SupplyState memory supply) private {
        HolderState memory state = _holders[holder];
        int256 correction = _correctionOf(holder);
        if (_isMature(state, epoch)) (state, correction) = _matured(state, correction);
        // Pending shares leave first: selling what just arrived never costs the holder eligible shares.
        uint256 fromPending = amount < state.pending ? amount : state.pending;
        uint256 fromEligible = amount - fromPending;
        state.pending -= uint96(fromPending);
        supply.pending -= uint96(fromPending);
        state.eligible -= fromEligible.toUint96();
        correction += (_magnifiedPerShare * fromEligible).toInt256();
        supply.tracked -= amount.toUint96();
        _holders[holder] = state;
        _setCorrection(holder, correction);
    }

    function _arrive(address holder, uint256 amount, uint256 epoch, SupplyState memory supply) private {
        HolderState memory state = _holders[holder];
        if (_isMature(state, epoch)) {
            int256 correction;
            (state, correction) = _matured(state, _correctionOf(holder));
            _setCorrection(holder, correction);
        }
        if (!state.initialized) {
            state.initialized = true;
            if (_corrections[holder] == 0) _corrections[holder] = CORRECTION_BIAS;
        }
        state.pending += amount.toUint96();
        state.pendingEpoch = uint32(epoch);
        state.depositsAtArrival = supply.depositCount;
        if (supply.pendingEpoch != epoch) {
            // First arrival of this epoch: earlier pending shares have matured for the whole supply.
            supply.pendingEpoch = uint32(epoch);
            supply.pending = 0;
        }
        supply.pending += amount.toUint96();
        supply.tracked += amount.toUint96();
        _holders[holder] = state;
    }

    /// @dev Whether `state` holds pending shares from an epoch that has ended.
    function _isMature(HolderState memory state, uint256 epoch) private pure returns (bool) {
        return state.pending != 0 && state.pendingEpoch < epoch;
    }

    /**
     * @dev Makes matured pending shares eligible as of the end of their epoch: they earn every deposit
     * made after it. The rent per share then was the one after the epoch's last deposit, or, if the
     * epoch had none, the one the shares found when they arrived.
     */
    function _matured(HolderState memory state, int256 correction) private view returns (HolderState memory, int256) {
        uint256 atEpochEnd = _epochPerShare[state.pendingEpoch];
        uint256 perShare = atEpochEnd != 0 ? atEpochEnd - 1 : _perShareAfterDeposit[state.depositsAtArrival];
        correction -= (perShare * state.pending).toInt256();
        state.eligible += state.pending;
        state.pending = 0;
        return (state, correction);
    }

    function _correctionOf(address holder) private view returns (int256) {
        int256 stored = _corrections[holder];
        return stored == 0 ? int256(0) : stored - CORRECTION_BIAS;
    }

    function _setCorrection(address holder, int256 correction) private {
        _corrections[holder] = correction + CORRECTION_BIAS;
    }

    function _unclaimed(uint256 eligible, int256 correction) private view returns (uint256) {
        return ((_magnifiedPerShare * eligible).toInt256() + correction).toUint256();
    }

    function _eligibleSupply(SupplyState memory supply, uint256 epoch) private pure returns (uint256) {
        return supply.pendingEpoch == epoch ? supply.tracked - supply.pending : supply.tracked;
    }

    // ---------------------------------------------------------------- views

    function currentEpoch() public view returns (uint256) {
        return block.timestamp / recordPeriod;
    }

    /// @inheritdoc IRentDistributorHooks
    function shares() external view returns (address) {
        return address(_shares);
    }

    /// @dev Rent `holder` can claim now.
    function claimableOf(address holder) external view returns (uint256) {
        return magnifiedUnclaimedOf(holder) / MAGNITUDE;
    }

    /// @dev Unclaimed rent of `holder` times M, its sub-unit fraction included.
    function magnifiedUnclaimedOf(address holder) public view returns (uint256) {
        HolderState memory state = _holders[holder];
        int256 correction = _correctionOf(holder);
        if (_isMature(state, currentEpoch())) (state, correction) = _matured(state, correction);
        return _unclaimed(state.eligible, correction);
    }

    /// @dev Shares of `holder` that earn rent now, and those pending until the next record boundary.
    function holdingOf(address holder) external view returns (uint256 eligible, uint256 pending) {
        HolderState memory state = _holders[holder];
        if (_isMature(state, currentEpoch())) return (uint256(state.eligible) + state.pending, 0);
        return (state.eligible, state.pending);
    }

    /// @dev Shares the next deposit would be shared among.
    function eligibleSupply() external view returns (uint256) {
        return _eligibleSupply(_supply, currentEpoch());
    }

    function magnifiedPerShare() external view returns (uint256) {
        return _magnifiedPerShare;
    }

    function depositCount() external view returns (uint256) {
        return _supply.depositCount;
    }

    /**
     * @dev The books. In units of M: deposited * M = (claimed + swept) * M + dustMagnified + the sum
     * of every account's {magnifiedUnclaimedOf}; each account's claimable is its part / M, and the
     * fractions left over are dust that {releaseDust} accounts once the account holds nothing.
     */
    function accounts()
        external
        view
        returns (uint256 totalDeposited, uint256 totalClaimed, uint256 totalSwept, uint256 dustMagnified)
    {
        return (_totalDeposited, _totalClaimed, _totalSwept, _dustMagnified);
    }
}
