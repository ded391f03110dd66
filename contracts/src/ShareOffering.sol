// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPropertyShares} from "./interfaces/IPropertyShares.sol";

/**
 * @title ShareOffering
 * @dev Primary sale of property shares at a fixed stablecoin price, with a soft cap (the sale
 * happens only if at least this many shares sell), a hard cap (no more than this many), an
 * opening time and a deadline.
 *
 * Flow: the issuer's agent mints `hardCap` shares to this contract, which the share token flags as
 * a system account (no identity needed, no rent). Verified investors {buy} while the sale is open,
 * paying into escrow; {finalize} closes it after the deadline, or as soon as the hard cap sells.
 * Succeeded: each buyer's shares are delivered by {claimShares} (a compliance-checked transfer; anyone
 * may trigger it, the shares always go to the buyer), the beneficiary receives the proceeds
 * through {withdrawProceeds}, unsold shares go back with {releaseUnsold}. Failed (soft cap missed,
 * or cancelled by the admin): buyers pull their money back with {claimRefund}; all shares go back.
 *
 * Prices are in stablecoin units per whole share (10^18 share units); a buyer pays the cost
 * rounded up to the stablecoin's smallest unit.
 */
contract ShareOffering is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    enum State {
        Open,
        Succeeded,
        Failed
    }

    uint256 private constant SHARE_UNIT = 10 ** 18;

    IPropertyShares public immutable shares;
    IERC20 public immutable stablecoin;
    address public immutable beneficiary;
    uint256 public immutable price;
    uint256 public immutable softCap;
    uint256 public immutable hardCap;
    uint64 public immutable opensAt;
    uint64 public immutable closesAt;

    struct Purchase {
        uint96 shares; // bought and not yet delivered (or refunded)
        uint128 paid; // stablecoin paid and not yet refunded
    }

    // One slot for the sale's state, one for the money: a purchase writes each once.
    State public state;
    bool public proceedsWithdrawn;
    uint96 public sold;
    uint96 public undelivered;
    uint256 public raised;
    mapping(address investor => Purchase) private _purchases;

    event SharesPurchased(address indexed investor, uint256 shares, uint256 cost);
    event OfferingFinalized(bool succeeded, uint256 sold, uint256 raised);
    event OfferingCancelled(address indexed admin);
    event SharesDelivered(address indexed investor, uint256 shares);
    event RefundClaimed(address indexed investor, uint256 amount);
    event ProceedsWithdrawn(address indexed beneficiary, uint256 amount);
    event UnsoldSharesReleased(address indexed beneficiary, uint256 shares);

    error OfferingInvalidConfiguration();
    error OfferingNotOpen(uint64 opensAt, uint64 closesAt);
    error OfferingZeroAmount();
    error OfferingHardCapExceeded(uint256 available);
    error OfferingInsufficientInventory(uint256 inventory, uint256 needed);
    error OfferingStillOpen(uint64 closesAt);
    error OfferingNotFinalized();
    error OfferingNotSucceeded(State state);
    error OfferingNotFailed(State state);
    error OfferingNothingToDeliver(address investor);
    error OfferingNothingToRefund(address investor);
    error OfferingProceedsAlreadyWithdrawn();

    constructor(
        IPropertyShares shares_,
        IERC20 stablecoin_,
        address beneficiary_,
        uint256 price_,
        uint256 softCap_,
        uint256 hardCap_,
        uint64 opensAt_,
        uint64 closesAt_,
        address admin
    ) {
        if (
            address(shares_) == address(0) || address(stablecoin_) == address(0) || beneficiary_ == address(0)
                || price_ == 0 || hardCap_ == 0 || hardCap_ > type(uint96).max || softCap_ > hardCap_
                || opensAt_ >= closesAt_
        ) revert OfferingInvalidConfiguration();
        shares = shares_;
        stablecoin = stablecoin_;
        beneficiary = beneficiary_;
        price = price_;
        softCap = softCap_;
        hardCap = hardCap_;
        opensAt = opensAt_;
        closesAt = closesAt_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @dev Buys `amount` share units for {costOf}(amount) of the stablecoin (approved beforehand).
    function buy(uint256 amount) external nonReentrant returns (uint256 cost) {
        if (state != State.Open || block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert OfferingNotOpen(opensAt, closesAt);
        }
        if (amount == 0) revert OfferingZeroAmount();
        uint256 soldAfter = uint256(sold) + amount;
        if (soldAfter > hardCap) revert OfferingHardCapExceeded(hardCap - sold);
        uint256 inventory = shares.balanceOf(address(this));
        if (soldAfter > inventory) revert OfferingInsufficientInventory(inventory, soldAfter);
        // The delivery must be able to happen: the same rules as the transfer that will deliver,
        // reverting with the share token's own compliance error.
        Purchase memory purchase = _purchases[msg.sender];
        uint256 purchasedAfter = purchase.shares + amount;
        shares.checkTransfer(address(this), msg.sender, purchasedAfter);

        cost = costOf(amount);
        sold = uint96(soldAfter); // <= hardCap <= inventory <= the share token's 2^96 supply cap
        undelivered += uint96(amount);
        raised += cost;
        _purchases[msg.sender] = Purchase(uint96(purchasedAfter), (purchase.paid + cost).toUint128());
        emit SharesPurchased(msg.sender, amount, cost);
        stablecoin.safeTransferFrom(msg.sender, address(this), cost);
    }

    /// @dev Closes the sale after the deadline, or early once the hard cap has sold.
    function finalize() external {
        if (state != State.Open) revert OfferingNotFinalized();
        if (block.timestamp < closesAt && sold < hardCap) revert OfferingStillOpen(closesAt);
        bool succeeded = sold >= softCap && sold != 0;
        state = succeeded ? State.Succeeded : State.Failed;
        emit OfferingFinalized(succeeded, sold, raised);
    }

    /// @dev Calls the sale off before it is finalized: buyers get refunds.
    function cancel() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (state != State.Open) revert OfferingNotFinalized();
        state = State.Failed;
        emit OfferingCancelled(_msgSender());
        emit OfferingFinalized(false, sold, raised);
    }

    /// @dev Delivers `investor`'s shares after a successful sale (a compliance-checked transfer).
    function claimShares(address investor) external nonReentrant {
        if (state != State.Succeeded) revert OfferingNotSucceeded(state);
        uint256 amount = _purchases[investor].shares;
        if (amount == 0) revert OfferingNothingToDeliver(investor);
        _purchases[investor].shares = 0;
        undelivered -= uint96(amount);
        emit SharesDelivered(investor, amount);
        IERC20(address(shares)).safeTransfer(investor, amount);
    }

    /// @dev Pays the caller back after a failed or cancelled sale.
    function claimRefund() external nonReentrant {
        if (state != State.Failed) revert OfferingNotFailed(state);
        uint256 amount = _purchases[msg.sender].paid;
        if (amount == 0) revert OfferingNothingToRefund(msg.sender);
        delete _purchases[msg.sender];
        emit RefundClaimed(msg.sender, amount);
        stablecoin.safeTransfer(msg.sender, amount);
    }

    /// @dev Sends the proceeds of a successful sale to the beneficiary (anyone may trigger it).
    function withdrawProceeds() external nonReentrant {
        if (state != State.Succeeded) revert OfferingNotSucceeded(state);
        if (proceedsWithdrawn) revert OfferingProceedsAlreadyWithdrawn();
        proceedsWithdrawn = true;
        emit ProceedsWithdrawn(beneficiary, raised);
        stablecoin.safeTransfer(beneficiary, raised);
    }

    /// @dev Returns the shares no buyer is owed to the beneficiary (anyone may trigger it).
    function releaseUnsold() external nonReentrant {
        if (state == State.Open) revert OfferingNotFinalized();
        uint256 owed = state == State.Succeeded ? undelivered : 0;
        uint256 amount = shares.balanceOf(address(this)) - owed;
        emit UnsoldSharesReleased(beneficiary, amount);
        if (amount != 0) IERC20(address(shares)).safeTransfer(beneficiary, amount);
    }

    /// @dev Shares `investor` bought and has not received, and what it paid and was not refunded.
    function purchaseOf(address investor) external view returns (uint256 shares_, uint256 paid) {
        Purchase memory purchase = _purchases[investor];
        return (purchase.shares, purchase.paid);
    }

    function costOf(uint256 amount) public view returns (uint256) {
        return Math.mulDiv(amount, price, SHARE_UNIT, Math.Rounding.Ceil);
    }
}
