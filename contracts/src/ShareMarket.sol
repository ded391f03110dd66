// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPropertyShares} from "./interfaces/IPropertyShares.sol";

/**
 * @title ShareMarket
 * @dev Secondary market for one share token: fixed-price orders, each fill settled atomically as
 * delivery against payment (both legs in one transaction, or neither).
 *
 * Shares never sit in the market: a sell order stays in the seller's wallet (which approves the
 * market) and a fill moves them with `transferFrom(seller, buyer)`, so the share token checks
 * compliance against the real seller and buyer, and the seller keeps earning rent until the
 * fill. A buy order escrows the stablecoin here; cancelled escrow is pulled back with
 * {withdrawRefund}.
 *
 * Prices are stablecoin units per whole share (10^18 share units). On a sell order the buyer pays
 * each fill rounded up; on a buy order the seller receives each fill rounded down and the last fill
 * takes what remains in escrow, so escrow is never short and never stranded.
 */
contract ShareMarket is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant SHARE_UNIT = 10 ** 18;

    struct Order {
        address maker;
        bool sell;
        uint96 remaining; // share units
        uint128 price;
        uint128 escrow; // buy orders: stablecoin still held for the rest of the order
    }

    IPropertyShares public immutable shares;
    IERC20 public immutable stablecoin;

    uint256 public orderCount;
    mapping(uint256 orderId => Order) private _orders;
    mapping(address maker => uint256) public refundOf;

    event OrderPlaced(uint256 indexed orderId, address indexed maker, bool sell, uint256 amount, uint256 price);
    event OrderFilled(
        uint256 indexed orderId, address indexed seller, address indexed buyer, uint256 amount, uint256 payment
    );
    event OrderCancelled(uint256 indexed orderId, uint256 remaining);
    event RefundWithdrawn(address indexed maker, uint256 amount);

    error MarketInvalidConfiguration();
    error MarketInvalidOrder(uint256 amount, uint256 price);
    error MarketUnknownOrder(uint256 orderId);
    error MarketNotMaker(uint256 orderId, address caller);
    error MarketFillExceedsOrder(uint256 orderId, uint256 remaining, uint256 amount);
    error MarketSelfTrade(uint256 orderId);
    error MarketNothingToWithdraw(address maker);

    constructor(IPropertyShares shares_, IERC20 stablecoin_) {
        if (address(shares_) == address(0) || address(stablecoin_) == address(0)) revert MarketInvalidConfiguration();
        shares = shares_;
        stablecoin = stablecoin_;
    }

    /**
     * @dev Offers `amount` share units at `price`. The seller approves this market for the shares; the
     * sender-side rules (frozen, lock-up, frozen amount) are checked now so a doomed order is never listed.
     */
    function placeSellOrder(uint256 amount, uint256 price) external returns (uint256 orderId) {
        _validate(amount, price);
        shares.checkTransfer(msg.sender, msg.sender, amount);
        orderId = _store(Order(msg.sender, true, uint96(amount), uint128(price), 0));
    }

    /// @dev Bids for `amount` share units at `price`, escrowing the cost (fills check the buyer's compliance).
    function placeBuyOrder(uint256 amount, uint256 price) external nonReentrant returns (uint256 orderId) {
        _validate(amount, price);
        uint256 escrow = Math.mulDiv(amount, price, SHARE_UNIT, Math.Rounding.Ceil);
        orderId = _store(Order(msg.sender, false, uint96(amount), uint128(price), uint128(escrow)));
        stablecoin.safeTransferFrom(msg.sender, address(this), escrow);
    }

    /// @dev Buys `amount` from sell order `orderId`: the caller pays the seller, the seller delivers.
    function fillSellOrder(uint256 orderId, uint256 amount) external nonReentrant returns (uint256 payment) {
        Order storage order = _fillable(orderId, amount, true);
        address seller = order.maker;
        payment = Math.mulDiv(amount, order.price, SHARE_UNIT, Math.Rounding.Ceil);
        order.remaining -= uint96(amount);
        emit OrderFilled(orderId, seller, msg.sender, amount, payment);
        stablecoin.safeTransferFrom(msg.sender, seller, payment);
        IERC20(address(shares)).safeTransferFrom(seller, msg.sender, amount);
    }

    /// @dev Sells `amount` into buy order `orderId`: the caller delivers, the escrow pays the caller.
    function fillBuyOrder(uint256 orderId, uint256 amount) external nonReentrant returns (uint256 payment) {
        Order storage order = _fillable(orderId, amount, false);
        address buyer = order.maker;
        payment = amount == order.remaining ? order.escrow : Math.mulDiv(amount, order.price, SHARE_UNIT);
        order.remaining -= uint96(amount);
        order.escrow -= uint128(payment);
        emit OrderFilled(orderId, msg.sender, buyer, amount, payment);
        IERC20(address(shares)).safeTransferFrom(msg.sender, buyer, amount);
        stablecoin.safeTransfer(msg.sender, payment);
    }

    /// @dev Withdraws an open order; a buy order's escrow becomes a refund to pull with {withdrawRefund}.
    function cancelOrder(uint256 orderId) external {
        Order storage order = _orders[orderId];
        if (order.maker == address(0)) revert MarketUnknownOrder(orderId);
        if (order.maker != msg.sender) revert MarketNotMaker(orderId, msg.sender);
        uint256 remaining = order.remaining;
        refundOf[msg.sender] += order.escrow;
        order.remaining = 0;
        order.escrow = 0;
        emit OrderCancelled(orderId, remaining);
    }

    function withdrawRefund() external nonReentrant {
        uint256 amount = refundOf[msg.sender];
        if (amount == 0) revert MarketNothingToWithdraw(msg.sender);
        refundOf[msg.sender] = 0;
        emit RefundWithdrawn(msg.sender, amount);
        stablecoin.safeTransfer(msg.sender, amount);
    }

    /**
     * @dev Whether `taker` could fill `amount` of `orderId` now, and if not the compliance rule that
     * blocks it (for the API's pre-check; payment allowance is not checked).
     */
    function canFill(uint256 orderId, address taker, uint256 amount)
        external
        view
        returns (bool allowed, IPropertyShares.TransferRule rule)
    {
        Order memory order = _orders[orderId];
        if (order.maker == address(0) || amount == 0 || amount > order.remaining) {
            return (false, IPropertyShares.TransferRule.InsufficientBalance);
        }
        return order.sell ? shares.canTransfer(order.maker, taker, amount) : shares.canTransfer(taker, order.maker, amount);
    }

    function orderOf(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    function _validate(uint256 amount, uint256 price) private pure {
        if (amount == 0 || price == 0 || amount > type(uint96).max || price > type(uint128).max) {
            revert MarketInvalidOrder(amount, price);
        }
    }

    function _store(Order memory order) private returns (uint256 orderId) {
        orderId = ++orderCount;
        _orders[orderId] = order;
        emit OrderPlaced(orderId, order.maker, order.sell, order.remaining, order.price);
    }

    function _fillable(uint256 orderId, uint256 amount, bool sell) private view returns (Order storage order) {
        order = _orders[orderId];
        if (order.maker == address(0) || order.sell != sell) revert MarketUnknownOrder(orderId);
        if (order.maker == msg.sender) revert MarketSelfTrade(orderId);
        if (amount == 0 || amount > order.remaining) revert MarketFillExceedsOrder(orderId, order.remaining, amount);
    }
}
